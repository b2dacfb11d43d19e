/**
 * SFDMU (the npm package) against emulators: writes an export.json whose `orgs` section connects
 * by instance URL and access token (no sfdx auth files), runs `sfdmu:run` in a child process with
 * a throwaway HOME, and answers its exit code and output.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const runner = path.join(path.dirname(fileURLToPath(import.meta.url)), 'run-sfdmu.cjs');

export interface SfdmuOrg {
  name: string;
  instanceUrl: string;
  accessToken: string;
}

export class Sfdmu {
  readonly home = mkdtempSync(path.join(tmpdir(), 'orgvault-sfdmu-'));

  /** Runs one migration in its own directory (CSV files are read and written there). */
  run(dir: string, script: Record<string, unknown>, source: string, target: string): Promise<{ code: number; output: string }> {
    const cwd = path.join(this.home, dir);
    mkdirSync(cwd, { recursive: true });
    writeFileSync(path.join(cwd, 'export.json'), JSON.stringify(script, null, 2));
    const args = [runner, '--sourceusername', source, '--targetusername', target, '--path', cwd, '--noprompt', '--nowarnings'];
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        args,
        { cwd, env: { PATH: process.env.PATH ?? '', HOME: this.home, SFDX_DISABLE_TELEMETRY: 'true' }, maxBuffer: 64 * 1024 * 1024 },
        (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, output: `${stdout}\n${stderr}` }),
      );
    });
  }

  /** The CSV directory a run shares with the next (org → csvfile, then csvfile → org). */
  dir(name: string): string {
    return path.join(this.home, name);
  }
}
