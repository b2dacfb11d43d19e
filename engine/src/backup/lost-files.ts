import { OrgVaultError } from '../errors.js';
import { downloadBlob } from '../salesforce/blob.js';
import type { Store } from '../store/store.js';
import type { OrgConnection } from '../salesforce/connection.js';

export interface RefetchContext {
  store: Store;
  conn: OrgConnection;
  orgId: string;
  jobId: string;
  object: string;
}

/**
 * Fetches again the files of this object the blob store was found to have lost (see
 * Store.verifyRecordedBlobs): an incremental pass would not read their records again unless they
 * changed. Only the lost content is recorded; a record deleted since, or whose file changed since,
 * keeps its loss, which `check` names. Returns how many files came back.
 */
export async function refetchLostFiles(ctx: RefetchContext): Promise<number> {
  const { object } = ctx;
  const back = new Set<string>();
  for (const ref of await ctx.store.lostBlobRefs(ctx.orgId, object)) {
    if (back.has(ref.contentHash)) continue;
    try {
      const put = await downloadBlob(ctx.conn, { sobject: object, id: ref.recordId, field: ref.field }, (blob) =>
        ctx.store.putBlob(
          {
            orgId: ctx.orgId,
            object,
            recordId: ref.recordId,
            field: ref.field,
            validFrom: ref.validFrom,
            source: ref.source,
            jobId: ctx.jobId,
          },
          blob.stream,
          ref.contentHash,
        ),
      );
      if (put.recorded) back.add(ref.contentHash);
    } catch (err) {
      if (!(OrgVaultError.is(err, 'ORG_API_ERROR') && err.details?.status === 404)) throw err;
    }
  }
  return back.size;
}
