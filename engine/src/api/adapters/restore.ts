import type { Org } from '../../orgs/registry.js';
import type { RestoreService } from '../../restore/restore.js';
import type { CompareService, CompareSide } from '../../restore/compare.js';
import { deletedWindow, type RecordBrowser } from '../../restore/browse.js';
import type {
  CompareRequestIn,
  CompareResultOut,
  DeletedRecordsOut,
  RecordHistoryOut,
  RestoreOutcomeOut,
  RestoreRequestIn,
} from '../restore-schemas.js';
import type { RestoreApiService } from '../services.js';

type PointIn = { jobId: string } | { at: Date };

/** The API's restore and compare shapes over restore/'s services. */
export class RestoreAdapter implements RestoreApiService {
  constructor(
    private readonly restorer: RestoreService,
    private readonly comparer: CompareService,
    private readonly browser: RecordBrowser,
  ) {}

  history(org: Org, recordId: string, object?: string): Promise<RecordHistoryOut> {
    return this.browser.history(org.id, recordId, object);
  }

  async deleted(org: Org, q: { since?: Date; until?: Date; objects?: string[]; limit: number }): Promise<DeletedRecordsOut> {
    const window = deletedWindow(q);
    return { ...window, objects: await this.browser.deleted({ orgId: org.id, ...q, ...window }) };
  }

  restore(org: Org, target: Org, req: RestoreRequestIn, by: string | null): Promise<RestoreOutcomeOut> {
    return this.restorer.enqueue({
      orgId: org.id,
      targetOrgId: target.id,
      ...req.from,
      objects: req.objects,
      ...(req.recordIds ? { recordIds: req.recordIds } : {}),
      ...(req.depth !== undefined ? { depth: req.depth } : {}),
      mode: req.mode,
      ...(req.fields ? { fields: req.fields } : {}),
      ...(req.keepNewer ? { keepNewer: req.keepNewer } : {}),
      dryRun: req.dryRun,
      by,
    });
  }

  status(org: Org, runId: string): Promise<RestoreOutcomeOut> {
    return this.restorer.status(org.id, runId);
  }

  list(org: Org, page: { limit: number }): Promise<RestoreOutcomeOut[]> {
    return this.restorer.list(org.id, page.limit);
  }

  resultsCsv(org: Org, runId: string): Promise<string> {
    return this.restorer.resultsCsv(org.id, runId);
  }

  async compare(org: Org, against: Org | null, req: CompareRequestIn): Promise<CompareResultOut> {
    const side = async (p: PointIn | { live: true }): Promise<CompareSide> =>
      'live' in p ? { live: true, ...(against ? { orgId: against.id } : {}) } : { at: await this.restorer.resolveAt(org.id, p) };
    const objects = await this.comparer.compare({
      orgId: org.id,
      from: await side(req.from),
      to: await side(req.to),
      objects: req.objects,
      ...(req.recordIds ? { recordIds: req.recordIds } : {}),
      detailLimit: req.detailLimit,
    });
    return { objects };
  }
}
