import { createHash } from 'node:crypto';
import type { AuditEntry, AuditRecord } from './types.js';

/** The hash a chain starts from, and the anchor of a chain nothing was pruned from. */
export const GENESIS = Buffer.alloc(32);

/** JSON with keys sorted at every level: one spelling per value, so a hash can be recomputed. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
}

/** The fields an entry's hash covers, in a fixed order (the stored details text as it is). */
export interface HashedFields {
  tenantId: string;
  seq: number;
  at: Date;
  orgId: string | null;
  actor: string;
  keyId: string | null;
  source: string;
  action: string;
  target: string | null;
  outcome: string;
  code: string | null;
  requestId: string | null;
  details: string | null;
}

/**
 * The fields in their fixed order: what the hash covers and the append's parameters alike (all
 * but the sequence number, which the database assigns). JSON spells the Date as its ISO string,
 * as the hash has always read it.
 */
export function entryFields(f: HashedFields): [string, number, Date, ...(string | null)[]] {
  return [f.tenantId, f.seq, f.at, f.orgId, f.actor, f.keyId, f.source, f.action, f.target, f.outcome, f.code, f.requestId, f.details];
}

export function entryHash(prev: Buffer, f: HashedFields): Buffer {
  return createHash('sha256')
    .update(prev)
    .update(JSON.stringify(entryFields(f)), 'utf8')
    .digest();
}

/**
 * The hashed text of a new entry split around its sequence number, which only the database knows
 * once it holds the tenant's head: JSON.stringify(entryFields(f)) is head + seq + tail.
 */
export function bodyAroundSeq(f: HashedFields): [head: string, tail: string] {
  const head = `${JSON.stringify([f.tenantId]).slice(0, -1)},`;
  const body = JSON.stringify(entryFields({ ...f, seq: 0 }));
  return [head, body.slice(head.length + '0'.length)];
}

/** The fields of a new entry, before its place in the chain is known. */
export function fieldsOf(r: AuditRecord, seq: number, at: Date): HashedFields {
  return {
    tenantId: r.tenantId,
    seq,
    at,
    orgId: r.orgId ?? null,
    actor: r.actor,
    keyId: r.keyId ?? null,
    source: r.source,
    action: r.action,
    target: r.target ?? null,
    outcome: r.outcome,
    code: r.code ?? null,
    requestId: r.requestId ?? null,
    details: r.details ? canonicalJson(r.details) : null,
  };
}

export interface EntryRow {
  tenant_id: string;
  seq: string;
  at: Date;
  org_id: string | null;
  actor: string;
  key_id: string | null;
  source: string;
  action: string;
  target: string | null;
  outcome: string;
  code: string | null;
  request_id: string | null;
  details: string | null;
  prev_hash: Buffer;
  hash: Buffer;
}

export function rowFields(r: EntryRow): HashedFields {
  return {
    tenantId: r.tenant_id,
    seq: Number(r.seq),
    at: r.at,
    orgId: r.org_id,
    actor: r.actor,
    keyId: r.key_id,
    source: r.source,
    action: r.action,
    target: r.target,
    outcome: r.outcome,
    code: r.code,
    requestId: r.request_id,
    details: r.details,
  };
}

export function toEntry(r: EntryRow): AuditEntry {
  return entryOf(rowFields(r), r.prev_hash, r.hash);
}

/** An entry as the service answers it, from its fields and its place in the chain. */
export function entryOf(f: HashedFields, prevHash: Buffer, hash: Buffer): AuditEntry {
  return {
    ...f,
    source: f.source as AuditEntry['source'],
    action: f.action as AuditEntry['action'],
    outcome: f.outcome as AuditEntry['outcome'],
    details: f.details === null ? null : (JSON.parse(f.details) as Record<string, unknown>),
    prevHash: prevHash.toString('hex'),
    hash: hash.toString('hex'),
  };
}

/**
 * Checks one stored entry against what came before it: its place, its link and its own hash.
 * Returns why it does not fit, or null.
 */
export function misfit(row: EntryRow, expectedSeq: number, prev: Buffer): string | null {
  const seq = Number(row.seq);
  if (seq !== expectedSeq) return `expected entry ${expectedSeq} next, found ${seq} (entries are missing)`;
  if (!row.prev_hash.equals(prev)) return "its previous-entry hash is not the previous entry's hash";
  if (!entryHash(prev, rowFields(row)).equals(row.hash)) return 'its content does not match its hash (it was changed)';
  return null;
}
