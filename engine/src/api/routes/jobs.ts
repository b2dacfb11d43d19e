import type { ApiServices } from '../services.js';
import {
  Job,
  JobDetail,
  JobList,
  JobListQuery,
  JobParams,
  OpaqueId,
  OrgIdParams,
  RecoveryPoint,
  RecoveryPointRequest,
  StartJobRequest,
} from '../schemas.js';
import { MonitorQuery, MonitorSeries } from '../monitor-schemas.js';
import { defineRoute, type AnyRoute } from '../route.js';
import { ORG_ERRORS, resolveOrg } from './support.js';
import { OrgVaultError, type ErrorCode } from '../../errors.js';
import { streamJobEvents } from './job-events.js';
import type { Logger } from '../../infra/logger.js';

/** Why a backup may be refused: each a distinct code, documented on the route. */
const BACKUP_REFUSALS: ErrorCode[] = [
  'JOB_RUNNING',
  'FULL_BACKUP_REQUIRED',
  'SUBSCRIPTION_EXPIRED',
  'DAILY_JOB_LIMIT',
  'SEATS_EXCEEDED',
  'STORAGE_NOT_CONFIGURED',
];

const jobId = (id: string): string => {
  if (!OpaqueId.safeParse(id).success) throw new OrgVaultError('NOT_FOUND', 'No such job');
  return id;
};

export interface JobRouteOptions {
  /** How often the events stream looks for progress. */
  eventsPollMs: number;
  log: Logger;
}

export function jobRoutes(s: ApiServices, options: JobRouteOptions): AnyRoute[] {
  return [
    defineRoute({
      id: 'startJob',
      method: 'post',
      path: '/orgs/:orgId/jobs',
      tag: 'jobs',
      summary: 'Back up now: every object in scope, or the chosen objects (after the cycle’s full backup)',
      action: 'backup.run',
      params: OrgIdParams,
      body: StartJobRequest,
      bodyOptional: true,
      status: 202,
      response: Job,
      errors: [...ORG_ERRORS, ...BACKUP_REFUSALS, 'SERVICE_UNAVAILABLE'],
      handler: async ({ caller, params, body }) => {
        const org = await resolveOrg(s, caller, params.orgId);
        if (body.objects) await s.scope.assertKnown(org, { objects: body.objects });
        return s.jobs.start(org, { objects: body.objects, by: caller.user });
      },
    }),
    defineRoute({
      id: 'listJobs',
      method: 'get',
      path: '/orgs/:orgId/jobs',
      tag: 'jobs',
      summary: 'Jobs of the organization, newest first',
      action: 'jobs.read',
      params: OrgIdParams,
      query: JobListQuery,
      status: 200,
      response: JobList,
      errors: ORG_ERRORS,
      handler: async ({ caller, params, query }) => {
        const org = await resolveOrg(s, caller, params.orgId);
        return { jobs: await s.jobs.list(org, query) };
      },
    }),
    defineRoute({
      id: 'getJob',
      method: 'get',
      path: '/orgs/:orgId/jobs/:jobId',
      tag: 'jobs',
      summary: 'One job with its per-object details and progress',
      action: 'jobs.read',
      params: JobParams,
      status: 200,
      response: JobDetail,
      errors: ORG_ERRORS,
      handler: async ({ caller, params }) => {
        const org = await resolveOrg(s, caller, params.orgId);
        return s.jobs.get(org, jobId(params.jobId));
      },
    }),
    defineRoute({
      id: 'getMonitorSeries',
      method: 'get',
      path: '/orgs/:orgId/monitor',
      tag: 'jobs',
      summary: 'Protection over time, per UTC day: records and files protected, changes (by object), API calls, storage, duration',
      action: 'jobs.read',
      params: OrgIdParams,
      query: MonitorQuery,
      status: 200,
      response: MonitorSeries,
      errors: ORG_ERRORS,
      handler: async ({ caller, params, query }) => {
        const org = await resolveOrg(s, caller, params.orgId);
        const to = query.to ? new Date(`${query.to}T00:00:00Z`) : new Date();
        return s.jobs.series(org, { to, days: query.days });
      },
    }),
    defineRoute({
      id: 'jobEvents',
      method: 'get',
      path: '/orgs/:orgId/jobs/:jobId/events',
      tag: 'jobs',
      summary: 'Server-sent events of the job: `progress` (data: the job as in getJob) whenever it changes, then `end` when it is final',
      action: 'jobs.read',
      params: JobParams,
      status: 200,
      response: null,
      streams: 'text/event-stream',
      errors: ORG_ERRORS,
      handler: async ({ caller, params, req, res }) => {
        const org = await resolveOrg(s, caller, params.orgId);
        const jobs = s.jobs;
        const id = jobId(params.jobId);
        await jobs.get(org, id); // NOT_FOUND before the stream opens
        await streamJobEvents(req, res, () => jobs.get(org, id), options.eventsPollMs, options.log);
      },
    }),
    defineRoute({
      id: 'createRecoveryPoint',
      method: 'post',
      path: '/orgs/:orgId/recovery-points',
      tag: 'jobs',
      summary: 'Generate a recovery point for chosen objects at a requested time',
      action: 'recovery-point.create',
      params: OrgIdParams,
      body: RecoveryPointRequest,
      status: 202,
      response: RecoveryPoint,
      errors: [...ORG_ERRORS, 'FULL_BACKUP_REQUIRED', 'STORAGE_NOT_CONFIGURED'],
      handler: async ({ caller, params, body }) => {
        const org = await resolveOrg(s, caller, params.orgId);
        await s.scope.assertKnown(org, { objects: body.objects });
        return s.cdp.createRecoveryPoint(org, { objects: body.objects, at: body.at, by: caller.user });
      },
    }),
  ];
}
