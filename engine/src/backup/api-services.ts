import type { BackupJobService } from '../api/services.js';
import type { JobOut, JobDetailOut } from '../api/schemas.js';
import type { JobWithProgress } from './service.js';
import type { BackupService } from './service.js';
import type { JobObject } from './jobs.js';

const jobOut = (j: JobWithProgress): JobOut => ({
  id: j.id,
  orgId: j.orgId,
  kind: j.kind,
  trigger: j.trigger,
  status: j.status,
  objects: j.objects,
  requestedBy: j.requestedBy,
  queuedAt: j.createdAt,
  startedAt: j.startedAt,
  finishedAt: j.finishedAt,
  progress: j.progress,
  error: j.error ?? j.reason,
});

const objectOut = (o: JobObject): JobDetailOut['objectDetails'][number] => ({
  name: o.object,
  status: o.status,
  records: o.records,
  bytes: o.bytes,
  apiCalls: o.apiCalls,
  startedAt: o.startedAt,
  finishedAt: o.finishedAt,
  error: o.error,
});

/** backup/ in the shapes the API's routes ask for. */
export function backupApiService(backup: BackupService): BackupJobService {
  return {
    start: async (org, request) => {
      const job = await backup.start(org.id, {
        trigger: 'on_demand',
        ...(request.objects ? { objects: request.objects } : {}),
        by: request.by,
      });
      return jobOut(await backup.detail(org.id, job.id));
    },
    list: async (org, page) => (await backup.list(org.id, page.limit, page.before)).map(jobOut),
    get: async (org, jobId) => {
      const d = await backup.detail(org.id, jobId);
      return { ...jobOut(d), objectDetails: d.objectDetails.map(objectOut) };
    },
    latest: async (org) => {
      const { last, current } = await backup.latest(org.id);
      return { last: last ? jobOut(last) : null, current: current ? jobOut(current) : null };
    },
  };
}
