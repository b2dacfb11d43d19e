import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { startTestApi, snapshotDb, type TestApi } from './harness.js';
import { doubles, type Doubles } from './doubles.js';
import { attachSchedule } from './real-services.js';
import { fetchDoc, fill, operations, validBody, type Doc } from './bodies.js';
import type { Org } from '../../src/orgs/registry.js';
import { Ajv2020 } from 'ajv/dist/2020.js';

/** A small seeded generator, so a failing case can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Names that look like SOQL or try to leave a name's place in a query. */
const SOQL_LIKE = [
  'Account WHERE Id != null',
  'Account--',
  'Account/*x*/',
  "Acc'ount",
  'Account; DELETE FROM orgs',
  'Account) OR (1=1',
  'A'.repeat(81),
  '1Account',
  'Account.Name',
  '',
  ' Account',
  'Account\n',
  '_Account',
  'Account%',
  'Ac count',
  '__proto__x',
  'Accoünt',
  'SELECT Id FROM Account',
];

const BAD_IDS = [
  '00000000-0000-4000-8000-000000000000',
  'nope',
  "1' OR '1'='1",
  '../..',
  '%00',
  'a'.repeat(3000),
  '00000000-0000-0000-0000-00000000000g',
  '{{orgId}}',
  'Account; DROP TABLE orgs',
  '😀',
  '-1',
  'null',
];

const BAD_SCALARS: unknown[] = [null, -1, 1.5, Number.POSITIVE_INFINITY, '', 'x'.repeat(5000), true, [], {}, [null], { $gt: '' }];

function randomJson(next: () => number, depth = 0): unknown {
  const pick = Math.floor(next() * (depth > 3 ? 5 : 7));
  switch (pick) {
    case 0:
      return null;
    case 1:
      return Math.floor(next() * 2 ** 40) * (next() < 0.5 ? -1 : 1);
    case 2:
      return SOQL_LIKE[Math.floor(next() * SOQL_LIKE.length)];
    case 3:
      return next() < 0.5;
    case 4:
      return String.fromCharCode(...Array.from({ length: Math.floor(next() * 20) }, () => Math.floor(next() * 0xd7ff)));
    case 5:
      return Array.from({ length: Math.floor(next() * 4) }, () => randomJson(next, depth + 1));
    default:
      return Object.fromEntries(
        Array.from({ length: 1 + Math.floor(next() * 3) }, (_, i) => [`k${i}_${Math.floor(next() * 1000)}`, randomJson(next, depth + 1)]),
      );
  }
}

/** Each valid field set to a wrong value, one at a time, the rest left valid. */
function mutations(valid: Record<string, unknown>): unknown[] {
  const out: unknown[] = [];
  for (const field of Object.keys(valid)) {
    for (const bad of BAD_SCALARS) {
      if (JSON.stringify(bad) === JSON.stringify(valid[field])) continue;
      if (field === 'objects' || field === 'excludedObjects') out.push({ ...valid, [field]: SOQL_LIKE.map((n) => n) });
      out.push({ ...valid, [field]: bad });
    }
    for (const name of SOQL_LIKE) {
      if (Array.isArray(valid[field])) out.push({ ...valid, [field]: [name] });
    }
  }
  out.push({ ...valid, extra: 1 }, JSON.parse(`{"__proto__": {"admin": true}, ${JSON.stringify(valid).slice(1)}`));
  return out;
}

describe('fuzz: malformed bodies, ids and SOQL-like names on every route', () => {
  let api: TestApi;
  let d: Doubles;
  let doc: Doc;
  let schedule: Awaited<ReturnType<typeof attachSchedule>>;
  let key: string;
  let org: Org;

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

  it('answers 4xx, never 5xx or success, and changes nothing', async () => {
    const before = await snapshotDb(api.db);
    const state = () => JSON.stringify([d.runner.launched.length, d.cdp.points.length, d.restore.runs.size]);
    const stateBefore = state();
    const next = rng(20261126);
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    const failures: string[] = [];
    let sent = 0;
    const send = async (method: string, path: string, opts: Parameters<TestApi['call']>[2]): Promise<void> => {
      const r = await api.call(method, path, { key, roles: ['administrator'], ...opts });
      sent++;
      if (r.status < 400 || r.status >= 500)
        failures.push(`${method} ${path.slice(0, 120)} ${JSON.stringify(opts).slice(0, 200)} → ${r.status}`);
    };

    for (const { template, method, op } of operations(doc)) {
      const M = method.toUpperCase();
      const ids = { orgId: org.id, jobId: d.runner.launched[0]!.id, keyId: '00000000-0000-4000-8000-000000000000' };
      const valid = validBody(op.operationId, ids);
      // Malformed ids in every path parameter, with an otherwise valid request.
      for (const name of template.match(/\{([^}]+)\}/g) ?? []) {
        for (const bad of BAD_IDS) {
          await send(M, fill(template, { ...ids, [name.slice(1, -1)]: bad }), { body: valid });
        }
      }
      if (M === 'GET') {
        // GETs carry no body: malformed query strings and role headers instead.
        for (const q of ['limit=-1', 'limit=abc', 'limit=1e9', 'limit[]=1', 'before=yesterday', 'extra=1', 'limit=0']) {
          if (op.operationId === 'listJobs' || q === 'extra=1') {
            if (op.operationId !== 'listJobs' && op.operationId !== 'jobEvents') continue;
            await send(M, `${fill(template, ids)}?${q}`, {});
          }
        }
        await send(M, fill(template, ids), { roles: "administrator' OR 1=1" });
        continue;
      }
      // What the document itself calls valid is not malformed: the generator's accidents are dropped.
      const schema = (op.requestBody as { content?: { 'application/json'?: { schema: object } } } | undefined)?.content?.[
        'application/json'
      ]?.schema;
      const documentedValid = schema ? ajv.compile(schema) : (b: unknown) => b === undefined;
      const bodies: unknown[] = [null, 0, 'str', [], [valid], true, '{'.repeat(200)];
      if (valid && typeof valid === 'object') bodies.push(...mutations(valid as Record<string, unknown>));
      for (let i = 0; i < 25; i++) bodies.push(randomJson(next));
      if (M === 'DELETE') bodies.push({ hidden: true });
      for (const generated of bodies) {
        const body: unknown = JSON.parse(JSON.stringify(generated) ?? 'null'); // as sent: Infinity becomes null
        const empty = body !== null && typeof body === 'object' && !Array.isArray(body) && !Object.keys(body).length;
        if (documentedValid(body) || (empty && M === 'DELETE')) continue;
        await send(M, fill(template, ids), { rawBody: JSON.stringify(body) });
      }
      for (const raw of ['{', '{"a":}', 'not json', '\u0000', '[1,2', '{"objects": ["Account"]'])
        await send(M, fill(template, ids), { rawBody: raw });
      await send(M, fill(template, ids), {
        rawBody: JSON.stringify(valid ?? {}),
        headers: { 'Content-Type': 'application/json; charset=x-bogus' },
      });
    }

    expect(failures).toEqual([]);
    expect(sent).toBeGreaterThan(900);
    expect(await snapshotDb(api.db)).toEqual(before);
    expect(state()).toBe(stateBefore);
  });
});
