import type { OrgKeys } from '../keys/keyring.js';
import { indexFault } from '../catalog/index-auth.js';
import { type IndexAuthRow, indexAuthSql } from '../sql.js';
import { type FindingCode, type OrgCheck, packProblem, rows } from './problems.js';

const FAULTS = {
  inconsistent: ['row-index-mismatch', 'does not describe its rows: lengths, missing entries or bounds disagree'],
  'mac-missing': ['row-index-mac-missing', 'has lost its MAC'],
  'mac-mismatch': ['row-index-mac-mismatch', 'was changed since it was written: it does not match its MAC'],
} as const satisfies Record<string, readonly [FindingCode, string]>;

/**
 * Every pack's row index is consistent in itself and, when written with a MAC, is the index
 * written with the pack: any changed id, time, deleted flag or hash is found without reading
 * data. Returns how many packs predate index MACs.
 */
export async function checkRowIndexes(c: OrgCheck, keys: OrgKeys): Promise<number> {
  let legacy = 0;
  for (const r of await rows<IndexAuthRow>(c.pool, indexAuthSql(''), [c.orgId])) {
    if (!r.mac && !r.needs_mac) legacy++;
    const fault = indexFault(keys, c.orgId, r);
    if (!fault) continue;
    const [code, why] = FAULTS[fault];
    c.problems.push(
      packProblem(
        code,
        c.orgId,
        { packId: r.id, object: r.object, recordId: r.first_ids[0] },
        `Pack ${r.id} (${r.object})'s row index ${why}`,
      ),
    );
  }
  return legacy;
}
