/**
 * The audit trail over real PostgreSQL: appends chain per tenant and serialise under concurrency,
 * the engine's connection can neither change nor delete an entry, a superuser's edit is found by
 * verify, a prune past retention keeps the rest verifiable, and forwarding to a SIEM never holds
 * an action up and delivers once the webhook answers.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { createTestDb, type TestDb } from '../../../test/support/db.js';
import { AuditService, type AuditRecord } from '../../src/audit/index.js';
import { createLogger } from '../../src/infra/logger.js';
import { createPool } from '../../src/infra/db.js';

const log = createLogger('silent');
const entry = (tenantId: string, extra: Partial<AuditRecord> = {}): AuditRecord => ({
  tenantId,
  actor: 'admin@example.com',
  source: 'api',
  action: 'backup.run',
  outcome: 'succeeded',
  ...extra,
});

/** A connection that bypasses triggers, as a superuser tampering with the table would. */
async function asSuperuser<T>(db: TestDb, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: db.url, options: `-c search_path=${db.schema}` });
  await client.connect();
  try {
    await client.query('SET session_replication_role = replica');
    return await fn(client);
  } finally {
    await client.end();
  }
}

describe('audit trail', () => {
  let db: TestDb;
  let audit: AuditService;
  const a = randomUUID();
  const b = randomUUID();

  beforeAll(async () => {
    db = await createTestDb();
    audit = new AuditService(db.pool, log);
  });
  afterAll(async () => {
    await audit.stop();
    await db.drop();
  });

  it('chains each tenant on its own; concurrent appends take consecutive places', async () => {
    await Promise.all(
      Array.from({ length: 30 }, (_, i) => audit.record(entry(i % 3 === 0 ? b : a, { target: `job-${i}`, requestId: `req-${i}` }))),
    );
    const pageA = await audit.list({ tenantId: a }, { limit: 100 });
    expect(pageA.entries.map((e) => e.seq)).toEqual(Array.from({ length: 20 }, (_, i) => 20 - i));
    for (let i = 0; i < pageA.entries.length - 1; i++) expect(pageA.entries[i]!.prevHash).toBe(pageA.entries[i + 1]!.hash);
    expect(pageA.entries.at(-1)!.prevHash).toBe('0'.repeat(64));
    expect((await audit.list({ tenantId: b }, { limit: 100 })).entries).toHaveLength(10);
    expect(await audit.verify(a)).toEqual({ tenantId: a, ok: true, checked: 20, firstBad: null });
    expect((await audit.verify(b)).ok).toBe(true);
  });

  it('chains correctly when two engine processes append to one tenant at once, each entry one statement', async () => {
    // A second process: its own pool on the same database and schema.
    const otherPool = createPool(db.url, db.schema, 5);
    const other = new AuditService(otherPool, log);
    const t = randomUUID();
    try {
      // Both race to create the chain, then to extend it.
      await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? audit : other).record(entry(t, { target: `p${i % 2}-${i}` }))));
    } finally {
      await otherPool.end();
    }
    const all = (await audit.list({ tenantId: t }, { limit: 100 })).entries.reverse();
    expect(all.map((e) => e.seq)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(new Set(all.map((e) => e.target)).size).toBe(60);
    for (let i = 1; i < all.length; i++) expect(all[i]!.prevHash).toBe(all[i - 1]!.hash);
    expect(await audit.verify(t)).toEqual({ tenantId: t, ok: true, checked: 60, firstBad: null });

    // What record answers is what was stored, in one statement with no transaction around it.
    const statements: string[] = [];
    const counted = new Proxy(db.pool, {
      get: (target, prop, receiver) =>
        prop === 'query'
          ? (text: string, ...rest: unknown[]) => {
              statements.push(text);
              return (target.query as (...a: unknown[]) => unknown)(text, ...rest);
            }
          : prop === 'connect'
            ? () => Promise.reject(new Error('an append checked out a client'))
            : Reflect.get(target, prop, receiver),
    });
    const answered = await new AuditService(counted, log).record(
      entry(t, { details: { after: { name: 'Zoë – 東京 😀', enabled: true } } }),
    );
    expect(statements).toHaveLength(1);
    const stored = (await audit.list({ tenantId: t }, { limit: 1 })).entries[0]!;
    expect(answered).toEqual(stored);
    expect([answered.seq, answered.prevHash]).toEqual([61, all.at(-1)!.hash]);
    // The database hashed the text the engine recomputes, beyond ASCII too.
    expect((await audit.verify(t)).ok).toBe(true);
  });

  it('pages newest first and filters by actor, action and time', async () => {
    const t = randomUUID();
    await audit.record(entry(t, { actor: 'ann@example.com', action: 'restore.run' }));
    await audit.record(entry(t, { actor: 'bob@example.com', action: 'compare.run' }));
    await audit.record(entry(t, { actor: 'ann@example.com', action: 'compare.run' }));
    const first = await audit.list({ tenantId: t }, { limit: 2 });
    expect(first.entries.map((e) => e.seq)).toEqual([3, 2]);
    const second = await audit.list({ tenantId: t }, { limit: 2, before: first.nextBefore! });
    expect([second.entries.map((e) => e.seq), second.nextBefore]).toEqual([[1], null]);
    expect((await audit.list({ tenantId: t, actor: 'ann@example.com' }, { limit: 10 })).entries.map((e) => e.seq)).toEqual([3, 1]);
    expect((await audit.list({ tenantId: t, action: 'compare.run' }, { limit: 10 })).entries.map((e) => e.seq)).toEqual([3, 2]);
    expect((await audit.list({ tenantId: t, since: new Date(Date.now() + 60_000) }, { limit: 10 })).entries).toEqual([]);
    expect((await audit.list({ tenantId: t, until: new Date(Date.now() + 60_000) }, { limit: 10 })).entries).toHaveLength(3);
  });

  it("refuses UPDATE, DELETE and TRUNCATE on the trail through the engine's own connection", async () => {
    await expect(db.pool.query("UPDATE audit_entries SET actor = 'mallory' WHERE tenant_id = $1 AND seq = 2", [a])).rejects.toThrow(
      /append-only/,
    );
    await expect(db.pool.query('DELETE FROM audit_entries WHERE tenant_id = $1 AND seq = 2', [a])).rejects.toThrow(/append-only/);
    await expect(db.pool.query('TRUNCATE audit_entries')).rejects.toThrow(/append-only/);
    // Nor may the chain's anchor jump onto a young entry to make it deletable.
    const young = (await audit.list({ tenantId: a }, { limit: 1 })).entries[0]!;
    await expect(
      db.pool.query('UPDATE audit_chains SET anchor_seq = $2, anchor_hash = $3 WHERE tenant_id = $1', [
        a,
        young.seq,
        Buffer.from(young.hash, 'hex'),
      ]),
    ).rejects.toThrow(/retention/);
    expect((await audit.verify(a)).ok).toBe(true);
  });

  it('names the entry a superuser changed, and the place of one deleted', async () => {
    const t = randomUUID();
    for (let i = 0; i < 5; i++) await audit.record(entry(t, { target: `t${i}` }));
    await asSuperuser(db, (c) => c.query("UPDATE audit_entries SET target = 'other' WHERE tenant_id = $1 AND seq = 3", [t]));
    expect(await audit.verify(t)).toMatchObject({ ok: false, checked: 2, firstBad: { seq: 3, reason: expect.stringMatching(/changed/) } });

    const u = randomUUID();
    for (let i = 0; i < 4; i++) await audit.record(entry(u));
    await asSuperuser(db, (c) => c.query('DELETE FROM audit_entries WHERE tenant_id = $1 AND seq = 2', [u]));
    expect(await audit.verify(u)).toMatchObject({ ok: false, firstBad: { seq: 3, reason: expect.stringMatching(/expected entry 2/) } });

    const v = randomUUID();
    for (let i = 0; i < 3; i++) await audit.record(entry(v));
    await asSuperuser(db, (c) => c.query('DELETE FROM audit_entries WHERE tenant_id = $1 AND seq = 3', [v]));
    expect(await audit.verify(v)).toMatchObject({ ok: false, firstBad: { seq: 3, reason: expect.stringMatching(/missing/) } });
  });

  it('prunes past retention at an anchor: what is left verifies, the prune is itself recorded', async () => {
    const t = randomUUID();
    const old = new AuditService(db.pool, log, { now: () => new Date(Date.now() - 8 * 365 * 86_400_000) });
    for (let i = 0; i < 4; i++) await old.record(entry(t, { target: `old${i}` }));
    await audit.record(entry(t, { target: 'recent' }));
    expect(await audit.retentionDays(t)).toBe(2557);
    expect(await audit.prune(t)).toBe(4);
    const left = (await audit.list({ tenantId: t }, { limit: 10 })).entries;
    expect(left.map((e) => [e.seq, e.action, e.target])).toEqual([
      [6, 'audit.prune', 'entries up to 4'],
      [5, 'backup.run', 'recent'],
    ]);
    expect(await audit.verify(t)).toEqual({ tenantId: t, ok: true, checked: 2, firstBad: null });
    expect(await audit.prune(t)).toBe(0);
    // A shorter retention is a recorded change too, and it prunes what it now covers.
    await audit.setRetention(t, 1, { actor: 'operator:root', source: 'cli' });
    expect((await audit.list({ tenantId: t, action: 'audit.settings.change' }, { limit: 1 })).entries[0]!.details).toEqual({
      before: { retentionDays: 2557 },
      after: { retentionDays: 1 },
    });
    await expect(audit.setRetention(t, 0, { actor: 'x', source: 'cli' })).rejects.toThrow(/1 to 36525/);
  });

  it('forwards to a SIEM without holding the action up, retries, and resumes where it stopped', async () => {
    const received: string[] = [];
    let failNext = 2;
    let hold: (() => void) | undefined;
    const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        if (failNext > 0) {
          failNext--;
          res.writeHead(503).end();
          return;
        }
        const answer = () => {
          received.push(...body.trim().split('\n'));
          res.writeHead(204).end();
        };
        if (hold === undefined) answer();
        else {
          const release = hold;
          hold = () => {
            answer();
            release();
          };
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/siem`;
    const fwd = new AuditService(db.pool, log, { forward: { attempts: 3, backoffMs: 10, timeoutMs: 5_000, batchSize: 2 } });
    const t = randomUUID();
    try {
      await fwd.record(entry(t, { target: 'before forwarding' }));
      await fwd.setForwarding(t, url, { actor: 'operator:root', source: 'cli' });
      for (let i = 0; i < 3; i++) await fwd.record(entry(t, { target: `f${i}` }));
      await fwd.forwardingIdle();
      const lines = received.map((l) => JSON.parse(l) as { seq: number; target: string | null; hash: string });
      expect(lines.map((l) => l.seq)).toEqual([2, 3, 4, 5]);
      expect(await fwd.forwarding(t)).toMatchObject({ forwardedSeq: 5, lastError: null });

      // The webhook stalls: the action is recorded and answered all the same.
      let released!: () => void;
      const stalled = new Promise<void>((r) => (released = r));
      hold = () => released();
      const e = await fwd.record(entry(t, { target: 'while stalled' }));
      expect(e.seq).toBe(6);
      hold();
      await stalled;
      hold = undefined;
      await fwd.forwardingIdle();
      expect(received.map((l) => (JSON.parse(l) as { seq: number }).seq)).toEqual([2, 3, 4, 5, 6]);

      // Down for good: bounded tries, the error is kept, the entries wait.
      failNext = 1000;
      await fwd.record(entry(t));
      await fwd.forwardingIdle();
      expect(await fwd.forwarding(t)).toMatchObject({ forwardedSeq: 6, lastError: 'HTTP 503' });
      expect(failNext).toBe(997);
    } finally {
      await fwd.stop();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
