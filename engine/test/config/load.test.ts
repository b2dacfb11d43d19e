import { describe, it, expect } from '@jest/globals';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { OrgVaultError } from '../../src/errors.js';
import { replaceConfigTable } from '../../../scripts/config-table.js';

const dir = (): string => mkdtempSync(path.join(tmpdir(), 'orgvault-config-'));

function errorOf(fn: () => unknown): OrgVaultError {
  try {
    fn();
  } catch (err) {
    if (err instanceof OrgVaultError) return err;
    throw err;
  }
  throw new Error('expected an OrgVaultError');
}

describe('configuration', () => {
  it('has the documented defaults with no file and no environment', () => {
    const cwd = dir();
    const config = loadConfig({}, cwd);
    expect(config.port).toBe(3000);
    expect(config.host).toBe('127.0.0.1');
    expect(config.dataDir).toBe(path.join(cwd, '.orgvault'));
    expect(config.databaseUrl).toBeUndefined();
    expect(config.azureStorageConnectionString).toBeUndefined();
  });

  it('reads the config file and lets the environment win', () => {
    const cwd = dir();
    writeFileSync(path.join(cwd, 'orgvault.config.json'), JSON.stringify({ port: 4100, logLevel: 'debug', dataDir: 'data' }));
    const config = loadConfig({ PORT: '4200' }, cwd);
    expect(config.port).toBe(4200);
    expect(config.logLevel).toBe('debug');
    expect(config.dataDir).toBe(path.join(cwd, 'data'));
  });

  it('names the environment variable and the expected form of a bad value', () => {
    const err = errorOf(() => loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x' }, dir()));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toMatch(/PORT:/);
    expect(err.message).toMatch(/DATABASE_URL: .*postgres/);
  });

  it('names a bad key of the config file as the user wrote it, and unknown keys', () => {
    const cwd = dir();
    writeFileSync(path.join(cwd, 'orgvault.config.json'), JSON.stringify({ logLevel: 'loud', prot: 1 }));
    const err = errorOf(() => loadConfig({}, cwd));
    expect(err.message).toMatch(/prot/);
    const cwd2 = dir();
    writeFileSync(path.join(cwd2, 'orgvault.config.json'), JSON.stringify({ logLevel: 'loud' }));
    expect(errorOf(() => loadConfig({}, cwd2)).message).toMatch(/logLevel in orgvault.config.json/);
  });

  it('reports a config file that is not JSON, and a missing ORGVAULT_CONFIG file', () => {
    const cwd = dir();
    writeFileSync(path.join(cwd, 'broken.json'), '{ port: ');
    expect(errorOf(() => loadConfig({ ORGVAULT_CONFIG: 'broken.json' }, cwd)).message).toMatch(/not valid JSON/);
    expect(errorOf(() => loadConfig({ ORGVAULT_CONFIG: 'absent.json' }, cwd)).message).toMatch(/does not exist/);
  });

  it('README configuration table matches the settings', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    expect(replaceConfigTable(readme)).toBe(readme);
  });
});
