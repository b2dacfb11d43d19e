/**
 * Where settings come from before they are validated: the optional JSON config file, and the data
 * directory's own variable. Without zod, so a command that only asks a running engine can find
 * its data directory without loading the schema (load.ts validates everything else).
 */
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { OrgVaultError } from '../errors.js';

/** The default config file, used when ORGVAULT_CONFIG does not name another. */
export const DEFAULT_CONFIG_FILE = 'orgvault.config.json';

/** The data directory's variable and default (its row of the settings table in schema.ts). */
export const DATA_DIR = { env: 'ORGVAULT_DATA_DIR', default: './.orgvault' } as const;

/** The config file's settings (none without one), and its name as the user wrote it. */
export function readConfigFile(env: NodeJS.ProcessEnv, cwd: string): { fileName: string; fromFile: Record<string, unknown> } {
  const fileName = env.ORGVAULT_CONFIG ?? DEFAULT_CONFIG_FILE;
  const filePath = path.resolve(cwd, fileName);
  if (!existsSync(filePath)) {
    if (env.ORGVAULT_CONFIG) {
      throw new OrgVaultError('CONFIG_INVALID', `Config file ${filePath} (ORGVAULT_CONFIG) does not exist`, {
        actions: ['Point ORGVAULT_CONFIG at an existing JSON file or unset it.'],
      });
    }
    return { fileName, fromFile: {} };
  }
  let fromFile: unknown;
  try {
    fromFile = JSON.parse(readFileSync(filePath, 'utf8'));
  } catch (err) {
    throw new OrgVaultError('CONFIG_INVALID', `Config file ${filePath} is not valid JSON: ${(err as Error).message}`, {
      actions: ['Fix the JSON syntax or remove the file.'],
    });
  }
  if (typeof fromFile !== 'object' || fromFile === null || Array.isArray(fromFile)) {
    throw new OrgVaultError('CONFIG_INVALID', `Config file ${filePath} must hold a JSON object`);
  }
  return { fileName, fromFile: fromFile as Record<string, unknown> };
}

/** The data directory, resolved as loadConfig resolves it, without validating the other settings. */
export function dataDirOf(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  const { fromFile } = readConfigFile(env, cwd);
  const given = env[DATA_DIR.env] || (typeof fromFile.dataDir === 'string' && fromFile.dataDir) || DATA_DIR.default;
  return path.resolve(cwd, given);
}
