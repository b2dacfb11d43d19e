/**
 * Judges an Apex test run (`sf apex run test --code-coverage --json`, saved to a file) for
 * scripts/scratch-org.sh: every test passed and the package's own classes (test classes aside)
 * are at least 90% covered, else it says so loudly and exits 1.
 *   node --import tsx scripts/apex-coverage.ts <run.json>
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const MINIMUM_COVERAGE = 90;

interface ApexRun {
  status?: number;
  message?: string;
  result?: {
    summary?: { outcome?: string; failing?: number };
    tests?: Array<{ FullName?: string; Outcome?: string; Message?: string | null }>;
    coverage?: { coverage?: Array<{ name: string; totalLines: number; totalCovered: number }> };
  };
}

/** Whether a class is annotated @isTest (before its `class` keyword, comments aside). */
const isTestClass = (source: string): boolean =>
  /@isTest\b/i.test(source.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '').split(/\bclass\b/i)[0] ?? '');

/** The package's Apex classes that are not tests: the ones coverage is judged on. */
export function packageClasses(classesDir: string): string[] {
  return readdirSync(classesDir)
    .filter((f) => f.endsWith('.cls') && !isTestClass(readFileSync(path.join(classesDir, f), 'utf8')))
    .map((f) => f.replace(/\.cls$/, ''))
    .sort();
}

export function judgeApexRun(run: ApexRun, classes: string[], minimum = MINIMUM_COVERAGE): { ok: boolean; lines: string[] } {
  if (run.status !== 0 && !run.result?.tests)
    return { ok: false, lines: [`FAILED: the Apex tests did not run: ${run.message ?? 'no result'}`] };
  const lines: string[] = [];
  const failing = (run.result?.tests ?? []).filter((t) => t.Outcome !== 'Pass');
  for (const t of failing) lines.push(`FAILED: ${t.FullName ?? '?'} ${t.Outcome ?? ''}: ${t.Message ?? ''}`);
  const byName = new Map((run.result?.coverage?.coverage ?? []).map((c) => [c.name, c]));
  let total = 0;
  let covered = 0;
  for (const name of classes) {
    const c = byName.get(name);
    if (!c) {
      lines.push(`FAILED: no coverage reported for ${name} (no test exercised it)`);
      continue;
    }
    total += c.totalLines;
    covered += c.totalCovered;
    lines.push(`${name}: ${c.totalLines ? Math.floor((100 * c.totalCovered) / c.totalLines) : 100}% of ${c.totalLines} lines`);
  }
  const percent = total ? (100 * covered) / total : 0;
  const enough = percent >= minimum && classes.every((n) => byName.has(n));
  lines.push(
    enough
      ? `Apex coverage ${percent.toFixed(1)}% (minimum ${minimum}%)`
      : `FAILED: Apex coverage ${percent.toFixed(1)}% is under the ${minimum}% the package requires`,
  );
  return { ok: enough && failing.length === 0, lines };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const file = process.argv[2];
  if (!file) throw new Error('usage: apex-coverage.ts <sf apex run test --json output>');
  const { ok, lines } = judgeApexRun(
    JSON.parse(readFileSync(file, 'utf8')) as ApexRun,
    packageClasses(path.join(root, 'force-app/main/default/classes')),
  );
  for (const line of lines) (ok ? console.log : console.error)(line);
  process.exitCode = ok ? 0 : 1;
}
