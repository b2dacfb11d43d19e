/**
 * What lies on disk in the clear: the test run's PostgreSQL data directory and Azurite workspace
 * (global setup starts both under ORGVAULT_TEST_TMP), grepped for a marker after a checkpoint.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { testDatabaseUrl } from './db.js';

/** The cluster global setup started (absent when the tests run against an outside database). */
export const PG_DIR = path.join(process.env.ORGVAULT_TEST_TMP ?? '', 'postgres');
/** Azurite's workspace (absent with an outside blob store). */
export const AZURITE_DIR = path.join(process.env.ORGVAULT_TEST_TMP ?? '', 'azurite');

/** Files under `dir` whose bytes contain `marker`, after a checkpoint wrote every dirty page out. */
export async function filesHolding(dir: string, marker: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: testDatabaseUrl() });
  await client.connect();
  try {
    await client.query('CHECKPOINT');
  } finally {
    await client.end();
  }
  const needle = Buffer.from(marker);
  const hits: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        let bytes: Buffer;
        try {
          bytes = readFileSync(p);
        } catch {
          continue; // a temporary file the server removed meanwhile
        }
        if (bytes.includes(needle)) hits.push(path.relative(dir, p));
      }
    }
  };
  walk(dir);
  return hits;
}
