/**
 * How fast `orgvault jobs --json` answers: through the API of the engine running for the data
 * directory (the fast path), against the same command with no engine running, which starts and
 * stops embedded PostgreSQL and Azurite itself (the start-up path every command took before).
 * `orgvault --help` is the floor: starting Node and tsx, nothing else. Same data directory, same
 * demo org, medians of several runs in the same run.
 *
 *   nice -n 10 npx tsx bench/cli.ts [runs]
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../test/support/ports.js';

const runs = Number(process.argv[2] ?? 5);
const base = mkdtempSync(path.join(tmpdir(), 'orgvault-bench-cli-'));
// Embedded PostgreSQL runs as another user when we are root: it must reach the data directory.
chmodSync(base, 0o755);
const env = {
  ...process.env,
  ORGVAULT_DATA_DIR: path.join(base, 'data'),
  PORT: String(await freePort()),
  ORGVAULT_EMBEDDED_PG_PORT: String(await freePort()),
  ORGVAULT_AZURITE_PORT: String(await freePort()),
  ORGVAULT_DEMO: 'true',
  ORGVAULT_DEMO_RECORDS: '300',
  LOG_LEVEL: 'warn',
};

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Wall time of one CLI run, which must succeed and print one JSON document (or help). */
function timed(args: string[]): number {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['bin/orgvault.js', ...args], { env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0) throw new Error(`orgvault ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  if (args.includes('--json')) JSON.parse(r.stdout);
  return ms;
}

const sample = (args: string[], n: number): number[] => Array.from({ length: n }, () => timed(args));

const engine = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
  env,
  stdio: ['ignore', 'pipe', 'inherit'],
  detached: true,
});
try {
  await new Promise<void>((resolve, reject) => {
    let out = '';
    engine.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (/First full backup (succeeded|partial|failed)|already backed up/.test(out)) resolve();
    });
    engine.once('exit', (code) => reject(new Error(`engine exited with ${code}`)));
  });
  const floor = sample(['--help'], runs);
  const fast = sample(['jobs', '--json'], runs);
  process.kill(-engine.pid!, 'SIGINT');
  await new Promise((r) => engine.once('exit', r));
  const startup = sample(['jobs', '--json'], Math.max(3, Math.ceil(runs / 2)));
  const row = (what: string, xs: number[]) =>
    `${what.padEnd(42)} ${median(xs).toFixed(0).padStart(6)} ms  (runs: ${xs.map((x) => x.toFixed(0)).join(', ')})`;
  console.log(row('orgvault --help (node + tsx, the floor)', floor));
  console.log(row('jobs --json, engine running (API)', fast));
  console.log(row('jobs --json, no engine (starts PG + Azurite)', startup));
  console.log(`start-up path / fast path: ${(median(startup) / median(fast)).toFixed(1)}x`);
} finally {
  if (engine.exitCode === null) process.kill(-engine.pid!, 'SIGINT');
  rmSync(base, { recursive: true, force: true });
}
