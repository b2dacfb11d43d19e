import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./engine-child.ts', import.meta.url));

export interface EngineProcess {
  pid: number;
  /** SIGKILL: no clean-up of any kind; the database sessions die with the process. */
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts an engine process on the given settings and resolves once it runs. */
export async function spawnEngine(env: Record<string, string>): Promise<EngineProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', CHILD], {
    env: { ...process.env, ORGVAULT_CHILD_ENV: JSON.stringify(env), NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('READY')) resolve();
    });
    void exited.then(([code]) => reject(new Error(`engine process exited with ${String(code)} before it ran`)));
  });
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(signal);
      await exited;
    }
  };
  return { pid: child.pid!, kill9: () => end('SIGKILL'), stop: () => end('SIGTERM') };
}
