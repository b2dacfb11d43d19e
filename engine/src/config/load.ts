import path from 'node:path';
import { OrgVaultError } from '../errors.js';
import { readConfigFile } from './file.js';
import { SETTINGS, configSchema, type Config, type SettingKey } from './schema.js';

export { DEFAULT_CONFIG_FILE } from './file.js';

/**
 * Reads the optional JSON config file, then the environment (which wins), and validates the
 * result. Errors name the key the user wrote and the form it must take.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const { fileName, fromFile } = readConfigFile(env, cwd);
  const merged: Record<string, unknown> = { ...fromFile };
  const sourceOf = new Map<string, string>(Object.keys(fromFile).map((k) => [k, `${k} in ${fileName}`]));
  for (const [key, setting] of Object.entries(SETTINGS)) {
    const value = env[setting.env];
    if (value !== undefined && value !== '') {
      merged[key] = value;
      sourceOf.set(key, setting.env);
    }
  }

  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const key = String(issue.path[0] ?? '');
      if (issue.code === 'unrecognized_keys') {
        return `unknown setting(s) ${issue.keys.join(', ')} in ${fileName}; known: ${Object.keys(SETTINGS).join(', ')}`;
      }
      const where = sourceOf.get(key) ?? SETTINGS[key as SettingKey]?.env ?? key;
      return `${where}: ${issue.message}`;
    });
    throw new OrgVaultError('CONFIG_INVALID', `Invalid configuration: ${lines.join('; ')}`, {
      actions: ['Correct the setting named above (see the configuration table in README.md).'],
    });
  }
  const config = parsed.data;
  config.dataDir = path.resolve(cwd, config.dataDir);
  if (config.keyFile) config.keyFile = path.resolve(cwd, config.keyFile);
  return config;
}
