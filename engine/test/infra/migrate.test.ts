import { describe, it, expect, afterEach } from '@jest/globals';
import { createTestDb, type TestDb } from '../../../test/support/db.js';
import { createPool } from '../../src/infra/db.js';
import { migrate, discoverMigrations } from '../../src/infra/migrate.js';
import { OrgVaultError } from '../../src/errors.js';

describe('migrations', () => {
  let db: TestDb | undefined;
  afterEach(async () => {
    await db?.drop();
    db = undefined;
  });

  it('discovers versioned migrations from every domain, in order, without duplicates', () => {
    const all = discoverMigrations();
    expect(all.length).toBeGreaterThan(0);
    expect(all.map((m) => m.version)).toEqual([...all.map((m) => m.version)].sort((a, b) => a - b));
    expect(new Set(all.map((m) => m.version)).size).toBe(all.length);
  });

  it('applies everything once; a second run is a no-op', async () => {
    db = await createTestDb({ migrate: false });
    const first = await migrate(db.pool, db.schema);
    expect(first).toEqual(discoverMigrations().map((m) => m.version));
    const second = await migrate(db.pool, db.schema);
    expect(second).toEqual([]);
    const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM schema_migrations');
    expect(rows[0].n).toBe(first.length);
  });

  it('two processes migrating at once apply each migration exactly once', async () => {
    db = await createTestDb({ migrate: false });
    // Separate pools stand for separate engine processes: separate sessions, one advisory lock.
    const other = createPool(db.url, db.schema, 2);
    try {
      const [a, b] = await Promise.all([migrate(db.pool, db.schema), migrate(other, db.schema)]);
      expect([...a, ...b].sort((x, y) => x - y)).toEqual(discoverMigrations().map((m) => m.version));
      expect(a.length === 0 || b.length === 0).toBe(true);
    } finally {
      await other.end();
    }
  });

  it('refuses to run when an applied migration was edited', async () => {
    db = await createTestDb({ migrate: false });
    const ms = discoverMigrations();
    await migrate(db.pool, db.schema, ms);
    const edited = ms.map((m, i) => (i === 0 ? { ...m, checksum: 'changed' } : m));
    await expect(migrate(db.pool, db.schema, edited)).rejects.toThrow(OrgVaultError);
  });
});
