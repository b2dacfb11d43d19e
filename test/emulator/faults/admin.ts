/**
 * The test-only admin endpoint (mounted at /__emulator only when enabled): faults, limits,
 * session expiry and record mutations. Mutations go through org.write, so they are reported as
 * Transactions like any other change.
 */
import { Router } from 'express';
import { SfError } from '../errors.js';
import type { Org, WriteOp } from '../data/org.js';
import type { ErrorRule, StreamKind } from './faults.js';

interface FaultsBody {
  errorRules?: Array<Partial<ErrorRule> & { pathPattern: string; rate: number }>;
  latencyMs?: number;
  resets?: Partial<Record<StreamKind, { afterBytes: number; times?: number }>>;
  bulkJobFailure?: string | null;
}

export function adminRoutes(org: Org): Router {
  const router = Router();

  router.get('/state', (_req, res) => {
    const f = org.faults;
    res.json({
      orgId: org.orgId,
      limits: org.limits.report(),
      faults: { errorRules: f.errorRules, latencyMs: f.latencyMs, resets: Object.fromEntries(f.resets), bulkJobFailure: f.bulkJobFailure },
    });
  });

  router.post('/faults', (req, res) => {
    const b = (req.body ?? {}) as FaultsBody;
    const f = org.faults;
    if (b.errorRules) {
      f.errorRules = b.errorRules.map((r) => ({
        pathPattern: r.pathPattern,
        rate: r.rate,
        status: r.status ?? 500,
        errorCode: r.errorCode ?? 'UNKNOWN_EXCEPTION',
        message:
          r.message ?? 'An unexpected error occurred. Please include this ErrorId if you contact support: 1234567890-12345 (-1234567890)',
      }));
    }
    if (b.latencyMs !== undefined) f.latencyMs = b.latencyMs;
    for (const [kind, rule] of Object.entries(b.resets ?? {})) {
      if (rule) f.resets.set(kind as StreamKind, { afterBytes: rule.afterBytes, times: rule.times ?? 1 });
    }
    if (b.bulkJobFailure !== undefined) f.bulkJobFailure = b.bulkJobFailure;
    res.status(204).end();
  });

  router.delete('/faults', (_req, res) => {
    org.faults.clear();
    res.status(204).end();
  });

  /** {token?}: expire one access token, or all of them. */
  router.post('/sessions/expire', (req, res) => {
    const token = (req.body as { token?: string } | undefined)?.token;
    org.sessions.expire(token);
    res.status(204).end();
  });

  /** {DailyApiRequests: 10, ...}: set the Max of limits; {reset: true} zeroes usage. */
  router.post('/limits', (req, res) => {
    const b = (req.body ?? {}) as Record<string, unknown>;
    for (const [name, max] of Object.entries(b)) if (typeof max === 'number') org.limits.setMax(name, max);
    if (b.reset === true) org.limits.reset();
    res.json(org.limits.report());
  });

  /** {replicationIdLimit?, accessTokenTtlMs?}: knobs tests turn. */
  router.post('/settings', (req, res) => {
    const b = (req.body ?? {}) as { replicationIdLimit?: number; accessTokenTtlMs?: number };
    if (typeof b.replicationIdLimit === 'number') org.replicationIdLimit = b.replicationIdLimit;
    if (typeof b.accessTokenTtlMs === 'number') org.sessions.ttlMs = b.accessTokenTtlMs;
    res.status(204).end();
  });

  /** {ops: WriteOp[], allOrNone?}: create / update / delete / undelete / hardDelete records. */
  router.post('/mutate', (req, res) => {
    const b = (req.body ?? {}) as { ops?: WriteOp[]; allOrNone?: boolean };
    if (!Array.isArray(b.ops)) throw new SfError('JSON_PARSER_ERROR', 'ops must be an array', 400);
    const results = org.write(b.ops, { allOrNone: b.allOrNone, origin: 'emulator-admin' });
    res.json(results.map((r) => ({ id: r.id, success: r.success, errors: r.errors.map((e) => e.toJSON()) })));
  });
  return router;
}
