import { LightningElement, api } from 'lwc';
import { getJob, getOrg, getPermissionReport, listJobs } from 'c/orgVaultApi';
import { engineError } from 'c/orgVaultErrors';

/**
 * Details of one organization: its current job's progress, its jobs (choose one to see the result
 * of every object), and the latest permission report.
 */
export default class OrgVaultOrgDetails extends LightningElement {
  @api orgId;

  org;
  jobs = [];
  job;
  report;
  error;

  connectedCallback() {
    this.load();
  }

  @api
  async load() {
    try {
      const [org, jobs, report] = await Promise.all([getOrg(this.orgId), listJobs(this.orgId), this.loadReport()]);
      this.org = org;
      this.jobs = jobs;
      this.report = report;
      this.error = undefined;
    } catch (e) {
      this.error = e;
    }
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
    return this.jobs.map((j) => ({ ...j, kind: j.kind ?? j.type ?? '', label: `Show objects of job started ${j.startedAt ?? ''}` }));
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

  get objectRows() {
    const objects = this.job?.objects ?? [];
    return objects.map((o) => ({
      key: o.name ?? o.object,
      name: o.name ?? o.object,
      status: o.status,
      records: o.records ?? o.recordCount ?? 0,
      message: o.error ?? o.message ?? '',
    }));
  }

  get findings() {
    const list = this.report?.findings ?? this.report?.items ?? [];
    return list.map((f, i) => ({ key: `f${i}`, severity: f.severity ?? '', text: f.message ?? f.description ?? '' }));
  }

  get reportTime() {
    return this.report?.generatedAt ?? this.report?.finishedAt ?? this.report?.createdAt ?? null;
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
