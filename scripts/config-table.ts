/**
 * Renders the README's configuration table from engine/src/config/schema.ts, so the two cannot
 * drift: `tsx scripts/config-table.ts --write` rewrites the README section; the test suite checks
 * that the README holds exactly what this renders.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SETTINGS } from '../engine/src/config/schema.js';

const START = '<!-- config-table:start -->';
const END = '<!-- config-table:end -->';

export function renderConfigTable(): string {
  const rows = Object.entries(SETTINGS).map(([key, s]) => {
    const parsed = s.schema.safeParse(undefined);
    const none = !parsed.success || parsed.data === undefined || (Array.isArray(parsed.data) && parsed.data.length === 0);
    const def = none ? '—' : `\`${String(parsed.data)}\``;
    return `| ${key} | \`${s.env}\` | ${def} | ${s.doc} |`;
  });
  return ['| setting | environment | default | meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

export function replaceConfigTable(readme: string): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md lacks the ${START} … ${END} markers`);
  return `${readme.slice(0, start + START.length)}\n${renderConfigTable()}\n${readme.slice(end)}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = new URL('../README.md', import.meta.url);
  const before = readFileSync(file, 'utf8');
  const after = replaceConfigTable(before);
  if (process.argv.includes('--write')) writeFileSync(file, after);
  else if (before !== after) {
    process.stderr.write('README.md configuration table is out of date: run `tsx scripts/config-table.ts --write`\n');
    process.exit(1);
  }
}
