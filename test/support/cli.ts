import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestEngine } from './engine.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The environment that points a CLI process at this engine's database schema, container and key. */
export function cliEnv(engine: TestEngine, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const c = engine.ctx.config;
  return {
    ...process.env,
    DATABASE_URL: c.databaseUrl!,
    ORGVAULT_DB_SCHEMA: c.databaseSchema,
    AZURE_STORAGE_CONNECTION_STRING: c.azureStorageConnectionString!,
    ORGVAULT_BLOB_CONTAINER: c.blobContainer,
    ORGVAULT_KEY_FILE: c.keyFile!,
    ORGVAULT_DATA_DIR: c.dataDir,
    ORGVAULT_SALESFORCE_ORIGINS: c.salesforceOrigins.join(','),
    ORGVAULT_SUBSCRIPTION_LIMITS: String(c.subscriptionLimits),
    ...extra,
  };
}

/** `npx orgvault <args>` as a real process (bin/orgvault.js), on this engine's store. */
export function spawnCli(engine: TestEngine, args: string[], extra: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, ['bin/orgvault.js', ...args], { cwd: ROOT, env: cliEnv(engine, extra), stdio: 'pipe' });
}

/** Runs the CLI to its end and returns its exit code and output. */
export async function runCli(
  engine: TestEngine,
  args: string[],
  extra: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawnCli(engine, args, extra);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, stdout, stderr };
}
