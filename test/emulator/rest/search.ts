/**
 * GET /search?q=<SOSL>: simple SOSL, `FIND {term} [IN ALL|NAME|EMAIL|PHONE FIELDS]
 * [RETURNING Object[(fields [WHERE ...] [LIMIT n])], ...] [LIMIT n]`. A record matches when one
 * of its searched text fields contains every word of the term (`*` a wildcard), case-insensitive.
 * Each RETURNING object runs as a SOQL query, so its fields and WHERE follow SOQL's rules.
 */
import { Router } from 'express';
import { SfError } from '../errors.js';
import type { Org } from '../data/org.js';
import type { FieldDef } from '../data/model.js';
import { executeSoql } from '../soql/execute.js';
import { queryRecordJson } from './records.js';

const SOSL =
  /^\s*FIND\s+\{((?:\\.|[^}\\])*)\}\s*(?:IN\s+(ALL|NAME|EMAIL|PHONE)\s+FIELDS\s*)?(?:RETURNING\s+(.+?))?\s*(?:LIMIT\s+(\d+))?\s*$/is;
const TEXT = new Set(['string', 'textarea', 'email', 'phone', 'url', 'picklist']);

function searched(fields: FieldDef[], scope: string): FieldDef[] {
  return fields.filter((f) => {
    if (scope === 'NAME') return f.nameField;
    if (scope === 'EMAIL') return f.type === 'email';
    if (scope === 'PHONE') return f.type === 'phone';
    return TEXT.has(f.type);
  });
}

/** `Account(Id, Name WHERE ... LIMIT 5), Contact` → [name, inner]. */
function returning(clause: string | undefined, org: Org): Array<[string, string | null]> {
  if (!clause) return org.schema.objects.filter((o) => o.replicateable && o.fields.some((f) => f.nameField)).map((o) => [o.name, null]);
  return [...clause.matchAll(/([A-Za-z0-9_]+)\s*(?:\(([^)]*)\))?\s*,?/g)].map((m) => [m[1]!, m[2]?.trim() || null]);
}

export function searchRoutes(org: Org): Router {
  const router = Router({ mergeParams: true });
  router.get('/search', (req, res) => {
    const q = String(req.query.q ?? '');
    const m = SOSL.exec(q);
    if (!m) throw new SfError('MALFORMED_SEARCH', `line 1:0 no viable alternative at character '${q.slice(0, 1)}'`, 400);
    const words = m[1]!.replace(/\\(.)/g, '$1').toLowerCase().split(/\s+/).filter(Boolean);
    if (!words.length || words.every((w) => w.replace(/\*/g, '').length < 2))
      throw new SfError('MALFORMED_SEARCH', 'search term must be longer than one character', 400);
    const patterns = words.map((w) => new RegExp(w.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*'), 'i'));
    const scope = (m[2] ?? 'ALL').toUpperCase();
    const version = res.locals.version as string;
    let left = m[4] ? Number(m[4]) : 2000;
    const searchRecords: Array<Record<string, unknown>> = [];
    for (const [name, inner] of returning(m[3], org)) {
      if (left <= 0) break;
      if (!org.hasObject(name)) throw new SfError('INVALID_TYPE', `sObject type '${name}' is not supported.`, 400);
      const table = org.table(name);
      const [, select, rest] = /^([^]*?)(\s+(?:WHERE|ORDER|LIMIT)\b[^]*)?$/i.exec(inner ?? 'Id') ?? [];
      const result = executeSoql(org, `SELECT ${select || 'Id'} FROM ${table.def.name}${rest ?? ''}`, {
        userId: res.locals.userId as string,
      });
      const getters = searched(table.def.fields, scope).map((f) => table.getter(f));
      for (let i = 0; i < result.totalSize && left > 0; i++) {
        const row = result.rows[i]!;
        const texts = getters.map((g) => g(row)).filter((v): v is string => typeof v === 'string');
        if (!patterns.every((p) => texts.some((t) => p.test(t)))) continue;
        searchRecords.push(queryRecordJson(version, result, i));
        left--;
      }
    }
    res.json({ searchRecords });
  });
  return router;
}
