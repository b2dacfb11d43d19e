import { Readable } from 'node:stream';
import { request } from 'undici';
import { OrgVaultError } from '../errors.js';
import type { ApiBudget } from './api-budget.js';
import { isSessionRefusal, orgHttpError, orgNetworkError } from './org-errors.js';
import { SALESFORCE_ONLY, type OrgOrigins } from './origins.js';
import { withRetry, type RetryPolicy } from './retry.js';
import type { OrgSession, TokenSource } from './tokens.js';
import { salesforceApiCallsTotal } from '../infra/metrics.js';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE' | 'HEAD';

export interface OrgRequest {
  method?: HttpMethod;
  /**
   * A full URL, a path from the instance root (`/services/data/...`), or a path below this
   * connection's versioned data root (`sobjects/Account/describe`).
   */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  headers?: Record<string, string>;
  /** Sent as JSON with `Content-Type: application/json`. */
  json?: unknown;
  /**
   * Sent as is; give its Content-Type in `headers`. A function is a streamed body, called again
   * for each send (a renewed token sends the request twice).
   */
  body?: string | Buffer | (() => AsyncIterable<Uint8Array>);
  /** Skip the budget check: reading /limits must work when the budget is spent. */
  exempt?: boolean;
  /** Retry transient failures; defaults to true for GET, HEAD, PUT and DELETE. */
  idempotent?: boolean;
  signal?: AbortSignal;
  /** Names the call in error messages. */
  what?: string;
  /** A conditional request (If-Modified-Since): 304 Not Modified is an answer, not an error. */
  conditional?: boolean;
}

export interface HttpOptions {
  apiVersion: string;
  retry: RetryPolicy;
  /** Where a redirect may lead (Salesforce's domains unless more are allowed). */
  origins?: OrgOrigins;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

/**
 * Every request to the org goes through here, so that each one is counted, its Sforce-Limit-Info
 * read, its token renewed once on 401, transient failures retried and errors mapped to our codes.
 * Node's fetch (undici) streams bodies and decompresses gzip, which Bulk results always are.
 */
export class OrgHttp {
  constructor(
    readonly tokens: TokenSource,
    readonly budget: ApiBudget,
    readonly options: HttpOptions,
  ) {}

  get dataPath(): string {
    return `/services/data/v${this.options.apiVersion}`;
  }

  url(session: OrgSession, path: string, query?: OrgRequest['query']): string {
    const base = /^https?:\/\//.test(path)
      ? path
      : path.startsWith('/')
        ? session.instanceUrl + path
        : `${session.instanceUrl}${this.dataPath}/${path}`;
    const url = new URL(base);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    return url.toString();
  }

  /**
   * One request, without retries: counted, renewed once on 401, error answers thrown as
   * OrgVaultError. The caller reads (or cancels) the body of the returned response.
   */
  async once(req: OrgRequest): Promise<Response> {
    const what = req.what ?? `${req.method ?? 'GET'} ${req.path.split('?')[0]}`;
    let session = await this.tokens.session();
    let res = await this.#send(req, session, what);
    let text: string | undefined;
    if (!res.ok && (res.status === 401 || res.status === 403) && this.tokens.canRefresh) {
      text = await res.text().catch(() => '');
      if (isSessionRefusal(res.status, text)) {
        session = await this.tokens.refresh(session.accessToken);
        res = await this.#send(req, session, what);
        text = undefined;
      }
    }
    if (!res.ok && !(req.conditional && res.status === 304)) {
      text ??= await res.text().catch(() => '');
      const err = orgHttpError(res.status, text, what);
      if (OrgVaultError.is(err, 'API_BUDGET_EXHAUSTED')) this.budget.observeExhausted();
      throw err;
    }
    return res;
  }

  async #send(req: OrgRequest, session: OrgSession, what: string): Promise<Response> {
    if (!req.exempt) this.budget.assertMaySpend();
    const headers: Record<string, string> = { Authorization: `Bearer ${session.accessToken}`, ...req.headers };
    let body: string | Buffer | undefined = typeof req.body === 'function' ? undefined : req.body;
    if (req.json !== undefined) {
      body = JSON.stringify(req.json);
      headers['Content-Type'] = 'application/json';
    }
    this.budget.recordCall();
    salesforceApiCallsTotal.inc({ api: req.path.startsWith('jobs/') ? 'bulk' : 'rest' });
    const url = this.url(session, req.path, req.query);
    let res: Response;
    try {
      res =
        typeof req.body === 'function'
          ? await streamed(url, req.method ?? 'POST', headers, req.body(), req.signal)
          : await this.#fetch(url, {
              method: req.method ?? 'GET',
              headers,
              ...(body !== undefined ? { body } : {}),
              ...(req.signal ? { signal: req.signal } : {}),
            });
    } catch (err) {
      if (req.signal?.aborted) throw err;
      throw orgNetworkError(err, what);
    }
    this.budget.observeLimitInfo(res.headers.get('sforce-limit-info'));
    return res;
  }

  /** fetch, following a redirect only to an allowed origin (fetch itself would follow it anywhere). */
  async #fetch(url: string, init: RequestInit): Promise<Response> {
    for (let hops = 0; ; hops++) {
      const res = await fetch(url, { ...init, redirect: 'manual' });
      const location = REDIRECTS.has(res.status) ? res.headers.get('location') : null;
      if (location === null || hops === MAX_REDIRECTS) return res;
      await res.body?.cancel();
      const next = new URL(location, url);
      (this.options.origins ?? SALESFORCE_ONLY).check(next.origin, 'redirect target');
      url = next.toString();
      if (res.status === 303 || (res.status !== 307 && res.status !== 308 && init.method === 'POST')) {
        const { body: _dropped, ...rest } = init;
        init = { ...rest, method: 'GET' };
      }
    }
  }

  /** A request and the reading of its answer, retried together when the failure is transient. */
  async call<T>(req: OrgRequest, read: (res: Response) => Promise<T>): Promise<T> {
    const method = req.method ?? 'GET';
    const idempotent = req.idempotent ?? (method === 'GET' || method === 'HEAD' || method === 'PUT' || method === 'DELETE');
    const what = req.what ?? `${method} ${req.path.split('?')[0]}`;
    const attempt = async (): Promise<T> => {
      const res = await this.once(req);
      try {
        return await read(res);
      } catch (err) {
        throw OrgVaultError.is(err) ? err : orgNetworkError(err, what);
      }
    };
    return idempotent ? withRetry(this.options.retry, attempt, req.signal) : attempt();
  }

  /** JSON answer (undefined for 204 No Content). */
  async json<T>(req: OrgRequest): Promise<T> {
    return this.call(req, async (res) => (res.status === 204 ? undefined : await res.json()) as T);
  }
}

/**
 * Sends a streamed body with undici's request(), which reads the body only as fast as the socket
 * drains; fetch (Node's and undici's) reads a streamed request body ahead into memory, the whole
 * file for an upload. The answer is wrapped as a fetch Response, so callers read it the same way.
 */
async function streamed(
  url: string,
  method: HttpMethod,
  headers: Record<string, string>,
  body: AsyncIterable<Uint8Array>,
  signal: AbortSignal | undefined,
): Promise<Response> {
  const res = await request(url, { method, headers, body: Readable.from(body), ...(signal ? { signal } : {}) });
  const out = new Headers();
  for (const [k, v] of Object.entries(res.headers)) for (const one of Array.isArray(v) ? v : v === undefined ? [] : [v]) out.append(k, one);
  const empty = res.statusCode === 204 || res.statusCode === 304;
  if (empty) await res.body.dump();
  return new Response(empty ? null : (Readable.toWeb(res.body) as ReadableStream<Uint8Array>), { status: res.statusCode, headers: out });
}
