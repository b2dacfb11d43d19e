/**
 * How fast `orgvault jobs --json` answers: through the API of the engine running for the data
 * directory (the fast path), against the same command with no engine running, which starts and
 * stops embedded PostgreSQL and Azurite itself (the start-up path every command took before).
 * bin/orgvault.js runs the engine compiled to JavaScript (bin/compiled.js); the same command run
 * from the TypeScript sources through tsx, as bin did before, is timed beside it. `orgvault
 * --help` is the CLI's floor and `node -e ''` Node's own. Same data directory, same demo org,
 * medians of several runs in the same run. Each run's CPU time (user + system, from the shell's
 * `times`) is printed beside its wall time: on a machine other sessions load, wall time mostly
 * measures waiting for a core, while CPU time stays close to what an idle machine takes.
 *
 *   nice -n 10 npx tsx bench/cli.ts [runs]
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
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

interface Timed {
  wall: number;
  cpu: number;
}

/** bin/orgvault.js (compiled JavaScript), the sources through tsx (bin before), or Node alone. */
type Via = 'bin' | 'tsx' | 'node';
const COMMAND: Record<Via, string[]> = {
  bin: ['bin/orgvault.js'],
  tsx: ['--import', 'tsx', 'engine/src/cli/main.ts'],
  node: ['-e', ''],
};

/** Wall and CPU time of one CLI run, which must succeed and print one JSON document (or help). */
function timed(args: string[], via: Via = 'bin'): Timed {
  const t = process.hrtime.bigint();
  // The shell's `times` (POSIX) reports the user and system time of the child it waited for.
  const script = '"$@"; s=$?; times >&2; exit $s';
  const r = spawnSync('sh', ['-c', script, 'sh', process.execPath, ...COMMAND[via], ...args], { env, encoding: 'utf8' });
  const wall = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0) throw new Error(`orgvault ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  if (args.includes('--json')) JSON.parse(r.stdout);
  const [user, system] = [
    ...r.stderr
      .trim()
      .split('\n')
      .at(-1)!
      .matchAll(/(\d+)m([\d.]+)s/g),
  ].map((m) => Number(m[1]) * 60 + Number(m[2]));
  return { wall, cpu: ((user ?? NaN) + (system ?? NaN)) * 1000 };
}

const sample = (args: string[], n: number, via: Via = 'bin'): Timed[] => Array.from({ length: n }, () => timed(args, via));
const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

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
  // The first command after a source change compiles the engine: not what is timed.
  timed(['--help']);
  const loadBefore = load();
  const bare = sample([], runs, 'node');
  const floor = sample(['--help'], runs);
  const fast = sample(['jobs', '--json'], runs);
  const viaTsx = sample(['jobs', '--json'], runs, 'tsx');
  process.kill(-engine.pid!, 'SIGINT');
  await new Promise((r) => engine.once('exit', r));
  const startup = sample(['jobs', '--json'], Math.max(3, Math.ceil(runs / 2)));
  const row = (what: string, xs: Timed[]) =>
    `${what.padEnd(44)} wall ${median(xs.map((x) => x.wall))
      .toFixed(0)
      .padStart(6)} ms, CPU ${median(xs.map((x) => x.cpu))
      .toFixed(0)
      .padStart(5)} ms` + `  (wall/CPU per run: ${xs.map((x) => `${x.wall.toFixed(0)}/${x.cpu.toFixed(0)}`).join(', ')})`;
  console.log(`load average (1, 5, 15 min): ${loadBefore} before, ${load()} after`);
  console.log(row("node -e '' (Node alone)", bare));
  console.log(row('orgvault --help (the floor)', floor));
  console.log(row('jobs --json, engine running (API)', fast));
  console.log(row('jobs --json, engine running, sources via tsx', viaTsx));
  // Its CPU time leaves out PostgreSQL and Azurite, which run as their own processes.
  console.log(row('jobs --json, no engine (starts PG + Azurite)', startup));
  const wall = (xs: Timed[]) => median(xs.map((x) => x.wall));
  const cpu = (xs: Timed[]) => median(xs.map((x) => x.cpu));
  console.log(`start-up path / fast path (wall): ${(wall(startup) / wall(fast)).toFixed(1)}x`);
  console.log(`via tsx / compiled (wall): ${(wall(viaTsx) / wall(fast)).toFixed(1)}x, (CPU): ${(cpu(viaTsx) / cpu(fast)).toFixed(1)}x`);
} finally {
  if (engine.exitCode === null) process.kill(-engine.pid!, 'SIGINT');
  rmSync(base, { recursive: true, force: true });
}
