/** Runs the real sf CLI against an emulator with a throwaway HOME, never touching ~/.sf. */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const bin = path.join(root, 'node_modules', '.bin');

export interface SfResult {
  code: number;
  json: { status: number; result?: unknown; message?: string; name?: string };
  stderr: string;
}

export class SfCli {
  readonly home = mkdtempSync(path.join(tmpdir(), 'orgvault-sf-'));

  run(args: string[], env: Record<string, string> = {}): Promise<SfResult> {
    return new Promise((resolve) => {
      execFile(
        path.join(bin, 'sf'),
        [...args, '--json'],
        {
          cwd: this.home,
          env: {
            PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`,
            HOME: this.home,
            SF_DISABLE_TELEMETRY: 'true',
            SF_AUTOUPDATE_DISABLE: 'true',
            // What @oclif/plugin-update itself reads before spawning `sf update --autoupdate` in the background.
            SF_DISABLE_AUTOUPDATE: 'true',
            SF_SKIP_NEW_VERSION_CHECK: 'true',
            SF_USE_GENERIC_UNIX_KEYCHAIN: 'true',
            SF_DISABLE_LOG_FILE: 'true',
            ...env,
          },
          maxBuffer: 256 * 1024 * 1024,
        },
        (err, stdout, stderr) => {
          let json: SfResult['json'];
          try {
            json = JSON.parse(stdout) as SfResult['json'];
          } catch {
            json = { status: -1, message: stdout };
          }
          resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, json, stderr });
        },
      );
    });
  }
}
