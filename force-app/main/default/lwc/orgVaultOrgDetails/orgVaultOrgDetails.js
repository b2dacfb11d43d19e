import { LightningElement, api } from 'lwc';
import { getContinuousProtection, getJob, getOrg, getPermissionReport, listJobs } from 'c/orgVaultApi';
import { engineError } from 'c/orgVaultErrors';
import { formatChanges, formatCount, formatDuration, formatShare } from 'c/orgVaultFormat';

/** How often the view refreshes while a job runs (its live progress). */
const LIVE_MS = 5000;

/** Why continuous protection ran a backup instead of (or besides) its change events. */
const FALLBACK_REASONS = {
  protection_on: 'Protection switched on: a backup caught the objects up',
  gap_overflow: 'Too many changes at once for change events (overflow)',
  replay_expired: 'The stream was away longer than Salesforce keeps events (72 hours)',
  stream_down: 'The change event stream was down too long',
  transport_switch: 'Switched between the Pub/Sub API and CometD (Streaming API)',
};

const TRANSPORTS = { pubsub: 'the Pub/Sub API', cometd: 'CometD (Streaming API)' };

/**
 * Details of one organization: its current job's progress, its jobs (choose one to see the result
 * of every object), continuous data protection with its fall-backs, and the latest permission report.
 */
export default class OrgVaultOrgDetails extends LightningElement {
  @api orgId;

  org;
  jobs = [];
  job;
  report;
  protection;
  error;

  connectedCallback() {
    this.load();
  }

  disconnectedCallback() {
    clearTimeout(this.liveTimer);
    this.liveTimer = undefined;
  }

  /** Each part loads on its own: a report the engine cannot give yet must not hide the jobs. */
  @api
  async load() {
    const [org, jobs, report, protection] = await Promise.allSettled([
      getOrg(this.orgId),
      listJobs(this.orgId),
      this.loadReport(),
      getContinuousProtection(this.orgId),
    ]);
    if (org.status === 'fulfilled') this.org = org.value;
    if (jobs.status === 'fulfilled') this.jobs = jobs.value;
    if (report.status === 'fulfilled') this.report = report.value;
    if (protection.status === 'fulfilled') this.protection = protection.value;
    const failures = [org, jobs, report, protection].filter((r) => r.status === 'rejected').map((r) => r.reason);
    this.error = failures.length > 0 ? failures : undefined;
    this.followRunningJob();
  }

  /** While a job runs the view refreshes by itself (live progress); the refresh that finds it ended is the last. */
  followRunningJob() {
    clearTimeout(this.liveTimer);
    if (!this.isConnected || !this.currentJob) return;
    // eslint-disable-next-line @lwc/lwc/no-async-operation
    this.liveTimer = setTimeout(() => this.load(), LIVE_MS);
  }

  /** No report yet is not an error for this page: the check may simply never have run. */
  async loadReport() {
    try {
      return await getPermissionReport(this.orgId);
    } catch (e) {
      if (engineError(e)?.code === 'NOT_FOUND') return null;
      throw e;
    }
  }

  get heading() {
    return this.org ? `${this.org.name} — details` : 'Organization details';
  }

  get jobRows() {
    return this.jobs.map((j) => ({
      ...j,
      kind: j.kind ?? j.type ?? '',
      label: `Show objects of job started ${j.startedAt ?? ''}`,
      protectedText: formatCount(j.figures?.recordsProtected),
      changesText: formatChanges(j.figures),
      durationText: formatDuration(j.figures?.durationMs),
      apiCallsText: j.figures ? formatShare(j.figures.apiCalls, j.figures.apiShare) : '—',
    }));
  }

  get hasJobs() {
    return this.jobs.length > 0;
  }

  get currentJob() {
    const job = this.org?.currentJob;
    return job && (job.status === 'running' || job.status === 'queued') ? job : null;
  }

  get currentProgress() {
    const p = this.currentJob?.progress ?? {};
    if (typeof p.percent === 'number') return Math.round(p.percent);
    return p.objectsTotal > 0 ? Math.round((100 * (p.objectsDone ?? 0)) / p.objectsTotal) : 0;
  }

  /** What the running job has stored and spent so far. */
  get currentFigures() {
    const p = this.currentJob?.progress ?? {};
    return `${formatCount(p.records ?? 0)} records stored, ${formatCount(p.apiCalls ?? 0)} API calls so far`;
  }

  get objectRows() {
    return (this.job?.objectDetails ?? []).map((o) => ({
      key: o.name,
      name: o.name,
      status: o.status,
      records: o.records,
      message: o.error ?? '',
    }));
  }

  get protectionOn() {
    return this.protection?.enabled === true;
  }

  /** Which API follows the change events now; CometD is the fall-back when Pub/Sub cannot be reached. */
  get activeTransport() {
    const t = this.protection?.activeTransport;
    if (!t) return '';
    const name = TRANSPORTS[t.transport] ?? t.transport;
    return t.reason ? `Following changes over ${name} (${t.reason})` : `Following changes over ${name}`;
  }

  get protectionPaused() {
    return this.protection?.paused === 'reconnect_needed';
  }

  get protectedObjects() {
    return (this.protection?.objects ?? []).join(', ');
  }

  /** Objects Change Data Capture could not be switched on for, with Salesforce's reason. */
  get unselected() {
    return Object.entries(this.protection?.selection ?? {})
      .filter(([, s]) => !s.selected)
      .map(([name, s]) => ({ key: name, text: `${name}: ${s.reason ?? 'not selected for Change Data Capture'}` }));
  }

  get hasUnselected() {
    return this.unselected.length > 0;
  }

  get fallbackRows() {
    return (this.protection?.fallbacks ?? []).map((f, i) => {
      const reason = FALLBACK_REASONS[f.reason] ?? f.reason;
      return {
        key: `f${i}`,
        at: f.at,
        reason: f.detail ? `${reason}: ${f.detail}` : reason,
        objects: (f.objects ?? []).join(', '),
        jobId: f.jobId ?? '',
      };
    });
  }

  get hasFallbacks() {
    return this.fallbackRows.length > 0;
  }

  /** What the integration user lacks: user permissions, then objects and fields it cannot read. */
  get gaps() {
    const r = this.report ?? {};
    return [
      ...(r.userPermissions ?? [])
        .filter((p) => !p.granted)
        .map((p) => `${p.label} (${p.name}) is missing — needed for ${(p.neededFor ?? []).join(', ')}. ${p.usedFor}`),
      ...(r.objectPermissions ?? []).filter((p) => !p.read).map((p) => `Cannot read the object ${p.object}`),
      ...(r.fieldPermissions ?? []).filter((p) => !p.read).map((p) => `Cannot read the field ${p.object}.${p.field}`),
    ].map((text, i) => ({ key: `g${i}`, text }));
  }

  /** The engine said no check has finished yet (not: the report could not be read). */
  get noReport() {
    return this.report === null;
  }

  get hasGaps() {
    return this.gaps.length > 0;
  }

  async selectJob(event) {
    try {
      this.job = await getJob(this.orgId, event.currentTarget.dataset.jobId);
    } catch (e) {
      this.error = e;
    }
  }

  back() {
    this.dispatchEvent(new CustomEvent('back'));
  }
}
