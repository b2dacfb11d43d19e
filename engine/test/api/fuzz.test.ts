import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { startTestApi, snapshotDb, type TestApi } from './harness.js';
import { doubles, type Doubles } from './doubles.js';
import { attachSchedule } from './real-services.js';
import { fetchDoc, fill, operations, validBody, type Doc, type DocOperation } from './bodies.js';
import { BAD_IDS, RAW_SEGMENTS, badQueries, mutations, oversized, randomJson, rng, wrongContentTypes } from './fuzz-cases.js';
import type { Org } from '../../src/orgs/registry.js';
import { Ajv2020 } from 'ajv/dist/2020.js';

const bodySchema = (op: DocOperation): object | undefined => op.requestBody?.content?.['application/json']?.schema;
const pathParams = (op: DocOperation): string[] => (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name!);

/**
 * Every operation of the OpenAPI document the engine serves, sent malformed ids, undecodable
 * escapes, NUL, wrong types, wrong content types and oversized bodies: each answers 4xx and
 * nothing in the store changes. A new route is covered the moment the document lists it.
 */
describe('fuzz: every operation of the served OpenAPI document, with malformed input', () => {
  let api: TestApi;
  let d: Doubles;
  let doc: Doc;
  let schedule: Awaited<ReturnType<typeof attachSchedule>>;
  let key: string;
  let org: Org;
  const ajv = new Ajv2020({ strict: false, validateFormats: false });

  beforeAll(async () => {
    api = await startTestApi((own) => (d = doubles(own)), { rateLimitPerMinute: 1_000_000 });
    schedule = await attachSchedule(api);
    doc = await fetchDoc(api.url);
    const t = await api.newTenant('Fuzz');
    key = t.key;
    org = await api.addOrg(t.tenantId, '00D00000000000ZAAA');
    // A finished full backup, so scoped jobs would pass the cycle rule if validation let them.
    const admin = { key, roles: ['administrator' as const] };
    await api.call('POST', `/orgs/${org.id}/jobs`, admin);
    await d.runner.finish(d.runner.launched[0]!);
  });
  afterAll(async () => {
    await schedule.stop();
    await api.stop();
  });

  it('has a valid example body for every operation that takes one, and the document accepts it', () => {
    const ids = { orgId: '00000000-0000-4000-8000-000000000000' };
    const missing = operations(doc)
      .filter(
        ({ op }) =>
          bodySchema(op) && !ajv.compile(bodySchema(op)!)(validBody(op.operationId, ids) ?? (op.requestBody?.required ? undefined : {})),
      )
      .map(({ op }) => op.operationId);
    expect(missing).toEqual([]);
  });

  it('answers 4xx, never 5xx or success, and changes nothing', async () => {
    const before = await snapshotDb(api.db);
    const state = () => JSON.stringify([d.runner.launched.length, d.cdp.points.length, d.restore.runs.size]);
    const stateBefore = state();
    const next = rng(20261126);
    const failures: string[] = [];
    const sent: Record<string, number> = {};
    /** `want`: the exact status this kind of mistake must get; otherwise any 4xx. */
    const check = (kind: string, what: string, status: number, want?: number): void => {
      sent[kind] = (sent[kind] ?? 0) + 1;
      if (want !== undefined ? status !== want : status < 400 || status >= 500) failures.push(`${kind}: ${what.slice(0, 200)} → ${status}`);
    };
    const send = async (kind: string, method: string, path: string, opts: Parameters<TestApi['call']>[2], want?: number) => {
      const r = await api.call(method, path, { key, roles: ['administrator'], ...opts });
      check(kind, `${method} ${path.slice(0, 120)} ${JSON.stringify(opts)}`, r.status, want);
    };
    /** Bytes without a Content-Type (fetch would call a string text/plain). */
    const sendUntyped = async (method: string, path: string, body: string) => {
      const r = await fetch(`${api.url}/api/v1${path}`, {
        method,
        headers: { 'X-OrgVault-Key': key, 'X-OrgVault-Roles': 'administrator' },
        body: new TextEncoder().encode(body),
      });
      await r.text();
      check('content-type', `${method} ${path} without a type`, r.status, 415);
    };

    for (const { template, method, op } of operations(doc)) {
      const M = method.toUpperCase();
      const ids = {
        orgId: org.id,
        jobId: d.runner.launched[0]!.id,
        runId: '00000000-0000-4000-8000-000000000000',
        keyId: '00000000-0000-4000-8000-000000000000',
      };
      const valid = validBody(op.operationId, ids);
      const url = fill(template, ids);
      const withBody = M === 'GET' ? {} : { body: valid };
      for (const name of pathParams(op)) {
        for (const bad of BAD_IDS) await send('id', M, fill(template, { ...ids, [name]: bad }), withBody);
        const raw = (segment: string) => fill(template.replace(`{${name}}`, segment), ids);
        for (const segment of RAW_SEGMENTS.escapes) await send('escape', M, raw(segment), withBody, 400);
        for (const segment of RAW_SEGMENTS.nul) await send('nul', M, raw(segment), withBody, 400);
      }
      for (const q of badQueries(op)) await send('query', M, `${url}?${q}`, withBody);
      await send('roles', M, url, { ...withBody, roles: "administrator' OR 1=1" });
      if (M === 'GET') continue;

      // What the document itself calls valid is not malformed: the generator's accidents are dropped.
      const schema = bodySchema(op);
      const documentedValid = schema ? ajv.compile(schema) : (b: unknown) => b === undefined;
      const bodies: unknown[] = [null, 0, 'str', [], [valid], true, '{'.repeat(200), 'a\u0000b', { 'a\u0000b': true }];
      if (valid && typeof valid === 'object') bodies.push(...mutations(valid as Record<string, unknown>));
      for (let i = 0; i < 25; i++) bodies.push(randomJson(next));
      if (M === 'DELETE') bodies.push({ hidden: true });
      for (const generated of bodies) {
        const body: unknown = JSON.parse(JSON.stringify(generated) ?? 'null'); // as sent: Infinity becomes null
        const empty = body !== null && typeof body === 'object' && !Array.isArray(body) && !Object.keys(body).length;
        if (documentedValid(body) || (empty && M === 'DELETE')) continue;
        await send('body', M, url, { rawBody: JSON.stringify(body) });
      }
      for (const raw of ['{', '{"a":}', 'not json', '\u0000', '[1,2', '{"objects": ["Account"]'])
        await send('syntax', M, url, { rawBody: raw }, 400);
      for (const { type, body } of wrongContentTypes(valid)) {
        if (type === null) await sendUntyped(M, url, body);
        else await send('content-type', M, url, { rawBody: body, headers: { 'Content-Type': type } }, 415);
      }
      await send('oversized', M, url, { rawBody: oversized(valid) }, 413);
    }

    expect(failures).toEqual([]);
    for (const kind of ['id', 'escape', 'nul', 'query', 'body', 'content-type', 'oversized']) expect(sent[kind]).toBeGreaterThan(0);
    expect(Object.values(sent).reduce((a, b) => a + b, 0)).toBeGreaterThan(1500);
    expect(await snapshotDb(api.db)).toEqual(before);
    expect(state()).toBe(stateBefore);
  });
});
