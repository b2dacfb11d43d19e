/**
 * POST /composite (up to 25 subrequests; `@{referenceId.path}` references to earlier results;
 * allOrNone), POST /composite/graph (graphs of up to 500 such subrequests, each graph all or
 * none) and POST /composite/batch (up to 25 independent subrequests, haltOnError). Each
 * subrequest is served by the emulator's own routes, over its own HTTP server, as one API call
 * for the whole request, as Salesforce counts it. allOrNone undoes what the earlier subrequests
 * did: created records are hard-deleted, deleted ones undeleted, updated fields set back.
 */
import { randomBytes } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import { SfError } from '../errors.js';
import type { Org } from '../data/org.js';
import type { RecordChange } from '../data/changes.js';
import { normalizeId } from '../data/ids.js';

const MAX_SUBREQUESTS = 25;
/** A graph holds up to 500 nodes; a request up to 75 graphs. */
const MAX_GRAPH_NODES = 500;
const MAX_GRAPHS = 75;

/** Subrequests carry this secret so they are not metered again. */
export const SUBREQUEST_HEADER = 'x-orgvault-emulator-subrequest';
export const SUBREQUEST_SECRET = randomBytes(16).toString('hex');

interface Subrequest {
  method?: string;
  url?: string;
  referenceId?: string;
  body?: unknown;
  httpHeaders?: Record<string, string>;
}

interface SubResult {
  body: unknown;
  httpHeaders: Record<string, string>;
  httpStatusCode: number;
  referenceId?: string;
}

function halted(referenceId?: string): SubResult {
  return {
    body: [
      {
        errorCode: 'PROCESSING_HALTED',
        message: 'The transaction was rolled back since another operation in the same transaction failed.',
      },
    ],
    httpHeaders: {},
    httpStatusCode: 400,
    ...(referenceId ? { referenceId } : {}),
  };
}

/** The value at `path` (".id", ".records[0].Id") of an earlier result's body. */
function lookup(body: unknown, path: string): unknown {
  let v: unknown = body;
  for (const m of path.matchAll(/\.([A-Za-z0-9_]+)|\[(\d+)\]/g)) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[m[1] ?? m[2]!];
  }
  return v;
}

const REFERENCE = /@\{([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+|\[\d+\])*)\}/g;

/** Replaces references in every string of a URL or body; throws for one that names nothing. */
function resolve<T>(value: T, results: Map<string, SubResult>): T {
  if (typeof value === 'string') {
    return value.replace(REFERENCE, (whole, ref: string, path: string) => {
      const earlier = results.get(ref);
      const v = earlier && earlier.httpStatusCode < 400 ? lookup(earlier.body, path) : undefined;
      if (v === undefined || v === null || typeof v === 'object')
        throw new SfError(
          'INVALID_REFERENCE',
          `Invalid reference specified. No value for ${ref}${path} found in ${ref}. Provided referenceId ('${whole}') must be an earlier successful subrequest's.`,
        );
      return String(v);
    }) as T;
  }
  if (Array.isArray(value)) return value.map((v) => resolve(v, results)) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v, results)])) as T;
  return value;
}

/** What allOrNone needs to undo the changes made while it ran. */
class UndoLog {
  private readonly changes: RecordChange[] = [];
  private readonly before = new Map<string, Record<string, unknown>>();
  private readonly stop: () => void;
  constructor(private readonly org: Org) {
    this.stop = org.onTransaction((tx) => this.changes.push(...tx.changes));
  }

  /** Remembers a record's writable fields before a PATCH may change them. */
  remember(url: string): void {
    const id = normalizeId(/\/sobjects\/[^/]+\/([^/?]+)/.exec(url)?.[1] ?? '');
    const loc = id ? this.org.locate(id) : null;
    if (!id || !loc || this.before.has(id)) return;
    const fields: Record<string, unknown> = {};
    for (const f of loc.table.def.fields) if (f.updateable) fields[f.name] = loc.table.get(loc.row, f.name);
    this.before.set(id, fields);
  }

  undo(userId: string): void {
    this.stop();
    for (const c of [...this.changes].reverse()) {
      if (c.kind === 'create') this.org.write([{ kind: 'hardDelete', id: c.id }], { userId });
      else if (c.kind === 'delete') this.org.write([{ kind: 'undelete', id: c.id }], { userId });
      else if (c.kind === 'update' && this.before.has(c.id)) {
        const old = this.before.get(c.id)!;
        this.org.write(
          [{ kind: 'update', id: c.id, fields: Object.fromEntries(c.changedFields.filter((f) => f in old).map((f) => [f, old[f]])) }],
          { userId },
        );
      }
    }
  }

  done(): void {
    this.stop();
  }
}

async function dispatch(base: string, req: Request, sub: Subrequest): Promise<SubResult> {
  const method = String(sub.method ?? 'GET').toUpperCase();
  const url = String(sub.url ?? '');
  if (!url.startsWith('/services/data/')) throw new SfError('INVALID_URL', `Invalid URL: ${url}`);
  const res = await fetch(base + url, {
    method,
    headers: {
      ...(sub.httpHeaders ?? {}),
      Authorization: req.get('authorization') ?? '',
      'Content-Type': 'application/json',
      [SUBREQUEST_HEADER]: SUBREQUEST_SECRET,
    },
    body: sub.body === undefined || method === 'GET' ? undefined : JSON.stringify(sub.body),
  });
  const text = await res.text();
  const httpHeaders: Record<string, string> = {};
  const location = res.headers.get('location');
  if (location) httpHeaders.Location = location;
  let body: unknown = null;
  if (text) body = res.headers.get('content-type')?.includes('json') ? (JSON.parse(text) as unknown) : text;
  if (method === 'POST' && res.status === 201 && body && typeof body === 'object' && 'id' in body)
    httpHeaders.Location = `${url.replace(/\?.*$/, '')}/${String((body as { id: unknown }).id)}`;
  return { body, httpHeaders, httpStatusCode: res.status };
}

function subrequests(list: unknown, name: string, max = MAX_SUBREQUESTS): Subrequest[] {
  if (!Array.isArray(list)) throw new SfError('JSON_PARSER_ERROR', `${name} is required and must be an array`, 400);
  if (list.length > max) throw new SfError('LIMIT_EXCEEDED', `Composite requests may contain at most ${max} subrequests`, 400);
  return list as Subrequest[];
}

/** Subrequests of a composite or graph: each with a unique referenceId. */
function referenced(list: Subrequest[]): Subrequest[] {
  const refs = new Set<string>();
  for (const s of list) {
    if (typeof s.referenceId !== 'string' || !/^[A-Za-z0-9_]+$/.test(s.referenceId) || refs.has(s.referenceId))
      throw new SfError('INVALID_INPUT', 'Each subrequest needs a unique referenceId of letters, digits and underscores', 400);
    refs.add(s.referenceId);
  }
  return list;
}

/** Runs subrequests in order, resolving references; with allOrNone, a failure undoes them all. */
async function runComposite(base: string, req: Request, org: Org, list: Subrequest[], allOrNone: boolean): Promise<SubResult[]> {
  const undo = allOrNone ? new UndoLog(org) : null;
  const results = new Map<string, SubResult>();
  const out: SubResult[] = [];
  let failed = false;
  for (const s of list) {
    if (failed && undo) {
      out.push(halted(s.referenceId));
      continue;
    }
    let r: SubResult;
    try {
      const resolved = { ...s, url: resolve(s.url ?? '', results), body: resolve(s.body, results) };
      if (undo && String(s.method).toUpperCase() === 'PATCH') undo.remember(resolved.url);
      r = await dispatch(base, req, resolved);
    } catch (e) {
      const err = e instanceof SfError ? e : new SfError('UNKNOWN_EXCEPTION', String(e));
      r = { body: [err.toJSON()], httpHeaders: {}, httpStatusCode: err.status };
    }
    r.referenceId = s.referenceId;
    results.set(s.referenceId!, r);
    out.push(r);
    if (r.httpStatusCode >= 400) failed = true;
  }
  if (undo && failed) {
    undo.undo(req.res!.locals.userId as string);
    for (let i = 0; i < out.length; i++) if (out[i]!.httpStatusCode < 400) out[i] = halted(out[i]!.referenceId);
  } else undo?.done();
  return out;
}

export function compositeRequestRoutes(instanceUrl: () => string, org: Org): Router {
  const router = Router({ mergeParams: true });

  router.post('/composite', async (req, res: Response) => {
    const body = (req.body ?? {}) as { allOrNone?: boolean; compositeRequest?: unknown };
    const list = referenced(subrequests(body.compositeRequest, 'compositeRequest'));
    res.json({ compositeResponse: await runComposite(instanceUrl(), req, org, list, body.allOrNone === true) });
  });

  router.post('/composite/graph', async (req, res: Response) => {
    const graphs = (req.body as { graphs?: unknown } | undefined)?.graphs;
    if (!Array.isArray(graphs) || graphs.length === 0)
      throw new SfError('JSON_PARSER_ERROR', 'graphs is required and must be an array', 400);
    if (graphs.length > MAX_GRAPHS) throw new SfError('LIMIT_EXCEEDED', `A request may contain at most ${MAX_GRAPHS} graphs`, 400);
    const ids = new Set<string>();
    const checked = (graphs as Array<{ graphId?: unknown; compositeRequest?: unknown }>).map((g) => {
      if (typeof g.graphId !== 'string' || !g.graphId || ids.has(g.graphId))
        throw new SfError('INVALID_INPUT', 'Each graph needs a unique graphId', 400);
      ids.add(g.graphId);
      return { graphId: g.graphId, list: referenced(subrequests(g.compositeRequest, 'compositeRequest', MAX_GRAPH_NODES)) };
    });
    const out = [];
    for (const g of checked) {
      const compositeResponse = await runComposite(instanceUrl(), req, org, g.list, true);
      out.push({
        graphId: g.graphId,
        graphResponse: { compositeResponse },
        isSuccessful: compositeResponse.every((r) => r.httpStatusCode < 400),
      });
    }
    res.json({ graphs: out });
  });

  router.post('/composite/batch', async (req, res: Response) => {
    const body = (req.body ?? {}) as { haltOnError?: boolean; batchRequests?: unknown };
    const list = subrequests(body.batchRequests, 'batchRequests');
    const version = `v${res.locals.version as string}`;
    const results: Array<{ statusCode: number; result: unknown }> = [];
    let halt = false;
    for (const s of list) {
      if (halt) {
        results.push({
          statusCode: 412,
          result: [{ errorCode: 'BATCH_PROCESSING_HALTED', message: 'Batch processing halted per request' }],
        });
        continue;
      }
      const url = String(s.url ?? '').replace(/^\/?(?:services\/data\/)?(?=v\d)/, '/services/data/');
      const r = await dispatch(instanceUrl(), req, {
        method: s.method,
        url: url.startsWith('/services/data/') ? url : `/services/data/${version}/${url.replace(/^\//, '')}`,
        body: (s as { richInput?: unknown }).richInput,
      });
      results.push({ statusCode: r.httpStatusCode, result: r.body });
      if (r.httpStatusCode >= 400 && body.haltOnError === true) halt = true;
    }
    res.json({ hasErrors: results.some((r) => r.statusCode >= 400), results });
  });
  return router;
}
