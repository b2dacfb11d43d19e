import { CHECK_PACK_DATA } from '../sql.js';
import { type OrgCheck, packProblem, rows } from './problems.js';

/** Every data pack has its bytes, and they match the hash recorded for them. */
export async function checkPackData(c: OrgCheck): Promise<void> {
  for (const r of await rows<{ id: string; object: string; has_data: boolean; first_ids: string[] }>(c.pool, CHECK_PACK_DATA, [c.orgId])) {
    const pack = { packId: r.id, object: r.object, recordId: r.first_ids[0] };
    c.problems.push(
      r.has_data
        ? packProblem('pack-hash-mismatch', c.orgId, pack, `Pack ${r.id} (${r.object})'s stored bytes do not match their recorded hash`)
        : packProblem('pack-data-missing', c.orgId, pack, `Pack ${r.id} (${r.object}) has no data`),
    );
  }
}
