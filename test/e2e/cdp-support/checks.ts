import type { Connection } from 'jsforce';
import type { Pool } from '../../../engine/src/infra/db.js';
import type { Org } from '../../../engine/src/orgs/registry.js';
import type { TestEngine } from '../../support/engine.js';
import { orgStateNow, type OrgState } from '../../support/backup-checks.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until the stream has stored everything committed before `since` (whichever process consumes). */
export async function caughtUpSince(engine: TestEngine, org: Org, since: number): Promise<void> {
  for (;;) {
    const s = await engine.services.cdp.status(org);
    if (s.checkpoint?.caughtUpAt && s.checkpoint.caughtUpAt.getTime() > since) return;
    await sleep(100);
  }
}

/** Events the org's checkpoint counts as stored. */
export async function storedEvents(pool: Pool, orgId: string): Promise<number> {
  const { rows } = await pool.query<{ events: string }>('SELECT sum(events) AS events FROM cdp_checkpoints WHERE org_id = $1', [orgId]);
  return Number(rows[0]?.events ?? 0);
}

/** Backend pids of the sessions holding the org's channel lease (the consumers' advisory lock). */
export async function leaseHolders(pool: Pool, orgId: string): Promise<number[]> {
  const { rows } = await pool.query<{ pid: number }>(
    `SELECT l.pid FROM pg_locks l
     WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
       AND l.classid::bigint = (hashtext('orgvault_cdp')::bigint & 4294967295) AND l.objid::bigint = (hashtext($1)::bigint & 4294967295)`,
    [orgId + '/data/ChangeEvents'],
  );
  return rows.map((r) => r.pid);
}

/** POSTs to the emulator's admin API (faults, mutations, CDC hooks). */
export async function emulatorAdmin(instanceUrl: string, path: string, body: unknown): Promise<void> {
  const res = await fetch(`${instanceUrl}/__emulator${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
}

/** A moment strictly between two bursts of changes, and the org's state then. */
export async function captureMoment(conn: Connection, objects: string[]): Promise<{ at: Date; truth: OrgState }> {
  await sleep(300);
  const at = new Date();
  const truth = await orgStateNow(conn, objects);
  await sleep(300);
  return { at, truth };
}
