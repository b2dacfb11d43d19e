import type { ChildProcess } from 'node:child_process';

/**
 * The one owner of how the process stops and with which exit code. The embedded servers run in
 * process groups of their own, so a terminal's Ctrl-C (sent to the whole foreground group) reaches
 * only us: we stop taking work, let running passes checkpoint, and only then stop the servers.
 */

const children = new Map<ChildProcess, NodeJS.Signals>();
let exitHooked = false;

/**
 * A server child started in its own process group. The orderly stop stops it in turn; any other
 * way out of this process (a second Ctrl-C, a fatal error, process.exit anywhere) signals it on
 * the way, so no server outlives us by more than its own shutdown.
 */
export function ownChild(child: ChildProcess, signal: NodeJS.Signals): void {
  if (!exitHooked) {
    exitHooked = true;
    process.on('exit', () => {
      for (const [c, s] of children) if (c.exitCode === null && c.signalCode === null) c.kill(s);
    });
  }
  children.set(child, signal);
  child.once('exit', () => children.delete(child));
}

/**
 * Under `npm start` the same Ctrl-C arrives twice: from the terminal and forwarded by npm. A
 * signal this soon after the first is that echo, not a second Ctrl-C.
 */
const ECHO_MS = 1_000;

export interface ShutdownOptions {
  /** The exit code once the orderly stop is done: 0 for the engine, 128 + signal for a command cut short. */
  exitCode?: (signal: NodeJS.Signals) => number;
}

const SIGNAL_NUMBERS: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };
export const interruptedCode = (signal: NodeJS.Signals): number => 128 + (SIGNAL_NUMBERS[signal] ?? 0);

/**
 * Makes `stop` the one answer to SIGINT, SIGTERM and SIGHUP (a closed terminal); a second one
 * ends the process at once (its children are signalled on the way out).
 */
export function onShutdown(stop: (signal: NodeJS.Signals) => Promise<void>, options: ShutdownOptions = {}): void {
  let first: number | undefined;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.removeAllListeners(signal);
    process.on(signal, () => {
      if (first !== undefined) {
        if (Date.now() - first < ECHO_MS) return;
        process.stderr.write('orgvault: stopping at once\n');
        exitNow(interruptedCode(signal));
      }
      first = Date.now();
      stop(signal).then(
        () => exitNow(options.exitCode?.(signal) ?? 0),
        (err: unknown) => {
          process.stderr.write(`orgvault: stop failed: ${(err as Error)?.message ?? String(err)}\n`);
          exitNow(1);
        },
      );
    });
  }
}

/**
 * Ends the process with this code. Every way out goes through here so that no library's exit hook
 * (one that calls process.exit(0) on beforeExit, say) decides what a script sees.
 */
export function exitNow(code: number): never {
  process.exit(code);
}
