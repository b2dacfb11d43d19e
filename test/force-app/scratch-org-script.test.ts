// scripts/scratch-org.sh needs a Dev Hub, so it cannot run here; what can be checked is that it is
// valid bash, that every sf command and flag it uses exists in the installed CLI, and that the
// sample data it loads is a consistent import plan.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { judgeApexRun, packageClasses } from '../../scripts/apex-coverage.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SF = join(ROOT, 'node_modules/.bin/sf');
const run = promisify(execFile);

interface SfCall {
  command: string[];
  flags: string[];
}

describe('scripts/scratch-org.sh', () => {
  let script: string;
  let calls: SfCall[];
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    script = await readFile(join(ROOT, 'scripts/scratch-org.sh'), 'utf8');
    calls = script
      .split('\n')
      .filter((line) => line.startsWith('"$sf" '))
      .map((line) => {
        const words = line.split(/\s+/).slice(1);
        const firstFlag = words.findIndex((w) => w.startsWith('--'));
        return { command: words.slice(0, firstFlag), flags: words.filter((w) => w.startsWith('--')) };
      });
    env = {
      ...process.env,
      HOME: await mkdtemp(join(tmpdir(), 'orgvault-sfhome-')),
      SF_DISABLE_TELEMETRY: 'true',
      SF_AUTOUPDATE_DISABLE: 'true',
      SF_DISABLE_AUTOUPDATE: 'true',
    };
  });

  it('is valid bash that stops on the first failure', async () => {
    await run('bash', ['-n', join(ROOT, 'scripts/scratch-org.sh')]);
    expect(script).toContain('set -euo pipefail');
    expect(calls.map((c) => c.command.join(' '))).toEqual([
      'org create scratch',
      'project deploy start',
      'org assign permset',
      'data import tree',
      'apex run test',
    ]);
  });

  it('uses only commands and flags the installed sf CLI has', async () => {
    for (const call of calls) {
      const { stdout } = await run(SF, [...call.command, '--help'], { cwd: ROOT, env, maxBuffer: 8 * 1024 * 1024 });
      for (const flag of call.flags)
        expect(`${call.command.join(' ')} ${stdout.includes(flag) ? flag : `(missing) ${flag}`}`).not.toContain('(missing)');
    }
  }, 120_000);

  it('loads sample data whose references resolve, with files the plan names', async () => {
    const dir = join(ROOT, 'config/sample-data');
    const plan = JSON.parse(await readFile(join(dir, 'plan.json'), 'utf8')) as { sobject: string; files: string[] }[];
    const refs = new Set<string>();
    const used: string[] = [];
    for (const step of plan) {
      for (const file of step.files) {
        const { records } = JSON.parse(await readFile(join(dir, file), 'utf8')) as { records: Record<string, unknown>[] };
        for (const record of records) {
          const attributes = record.attributes as { type: string; referenceId: string };
          expect(attributes.type).toBe(step.sobject);
          refs.add(attributes.referenceId);
          for (const value of Object.values(record)) if (typeof value === 'string' && value.startsWith('@')) used.push(value.slice(1));
        }
      }
    }
    expect(used.length).toBeGreaterThan(0);
    for (const ref of used) expect(refs).toContain(ref);
  });

  it('assigns a permission set the package defines', async () => {
    const name = /--name (\w+)/.exec(script)?.[1];
    await expect(readFile(join(ROOT, `force-app/main/default/permissionsets/${name}.permissionset-meta.xml`), 'utf8')).resolves.toContain(
      '<label>',
    );
  });

  it('fails loudly when an Apex test fails or the package is under 90% covered', () => {
    expect(script).toMatch(/--code-coverage --json .*>"\$results"[^\n]*\nnode --import tsx scripts\/apex-coverage\.ts "\$results"/);
    const classes = packageClasses(join(ROOT, 'force-app/main/default/classes'));
    expect(classes).toEqual(['OrgVaultController', 'OrgVaultEngineClient']);
    const pass: { FullName: string; Outcome: string; Message?: string } = { FullName: 'OrgVaultControllerTest.lists', Outcome: 'Pass' };
    const run = (covered: [number, number], tests = [pass]) => ({
      status: 0,
      result: {
        tests,
        coverage: {
          coverage: [
            { name: 'OrgVaultController', totalLines: 100, totalCovered: covered[0] },
            { name: 'OrgVaultEngineClient', totalLines: 50, totalCovered: covered[1] },
          ],
        },
      },
    });
    expect(judgeApexRun(run([95, 44]), classes)).toEqual({
      ok: true,
      lines: ['OrgVaultController: 95% of 100 lines', 'OrgVaultEngineClient: 88% of 50 lines', 'Apex coverage 92.7% (minimum 90%)'],
    });
    const low = judgeApexRun(run([90, 40]), classes);
    expect(low).toMatchObject({
      ok: false,
      lines: expect.arrayContaining(['FAILED: Apex coverage 86.7% is under the 90% the package requires']),
    });
    const failing = judgeApexRun(
      run([100, 50], [pass, { FullName: 'OrgVaultEngineClientTest.times_out', Outcome: 'Fail', Message: 'boom' }]),
      classes,
    );
    expect(failing).toMatchObject({ ok: false, lines: expect.arrayContaining(['FAILED: OrgVaultEngineClientTest.times_out Fail: boom']) });
    const uncovered = judgeApexRun({ status: 0, result: { tests: [pass], coverage: { coverage: [] } } }, classes);
    expect(uncovered.ok).toBe(false);
    expect(uncovered.lines).toContain('FAILED: no coverage reported for OrgVaultEngineClient (no test exercised it)');
    expect(judgeApexRun({ status: 1, message: 'No authorization information found for orgvault.' }, classes)).toEqual({
      ok: false,
      lines: ['FAILED: the Apex tests did not run: No authorization information found for orgvault.'],
    });
  });
});
