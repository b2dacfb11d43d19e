/**
 * `npx orgvault ...`: thin commands over the engine's API, answered by the engine running for the
 * data directory when there is one (fast), else by this process's own services.
 */
import { CommanderError } from 'commander';
import { exitNow } from '../infra/shutdown.js';
import { OrgVaultError } from '../errors.js';
import { errorDocument, exitCodeOf } from './output.js';
import { buildProgram } from './program.js';

const json = process.argv.slice(2).includes('--json');

/** One line on stderr (commander has said its own already); with --json the API's error document on stdout. */
function fail(err: unknown): never {
  if (!(err instanceof CommanderError))
    process.stderr.write(`orgvault: ${err instanceof OrgVaultError ? err.oneLine() : ((err as Error)?.message ?? String(err))}\n`);
  const code = exitCodeOf(err);
  if (json && code !== 0) process.stdout.write(`${JSON.stringify(errorDocument(err), null, 2)}\n`);
  exitNow(code);
}

// The exit code is decided here, not by whatever hooks process exit in a library.
buildProgram()
  .parseAsync(process.argv)
  .then(() => exitNow(Number(process.exitCode ?? 0)), fail);
