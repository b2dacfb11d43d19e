import { LightningElement, api } from 'lwc';
import { getRestore, getRestoreResults, listJobs, listObjectOptions, listOrgs, restore } from 'c/orgVaultApi';

const POLL_MS = 2000;

const MODES = [
  { value: 'changed', label: 'Changed: put back the backed-up values of records that still exist (deleted records stay deleted)' },
  { value: 'deleted', label: 'Deleted: bring back records deleted since (from the Recycle Bin with their own Ids, else re-created)' },
  { value: 'overwrite', label: 'Overwrite: both, so the chosen records look as they did in the backup' },
];

const split = (text) =>
  (text ?? '')
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);

/**
 * The restore wizard: from which backup (a job, a recovery point or any time), which objects and
 * records, how (mode, only some fields, keep newer edits), into which org; then a dry run shown as
 * a table of what will change and the API calls it costs; then the run, followed to its end with
 * its counts and the per-record results as CSV. `preset` fills it from Deleted records, Record
 * history or Compare.
 */
export default class OrgVaultRestoreWizard extends LightningElement {
  @api orgId;

  source = 'job';
  jobId = '';
  at = '';
  objects = [];
  recordIds = '';
  depth = '';
  mode = 'changed';
  fields = '';
  keepNewer = false;
  targetOrgId = '';

  jobOptions = [];
  objectOptions = [];
  orgOptions = [];
  plan;
  run;
  error;
  busy = false;
  timer;

  @api
  get preset() {
    return this._preset;
  }
  set preset(value) {
    this._preset = value;
    if (!value) return;
    if (value.from?.jobId) {
      this.source = 'job';
      this.jobId = value.from.jobId;
    } else if (value.from?.at) {
      this.source = 'time';
      this.at = value.from.at;
    }
    this.objects = value.objects ?? [];
    this.recordIds = (value.recordIds ?? []).join('\n');
    this.mode = value.mode ?? 'changed';
    this.fields = (value.fields ?? []).join(',');
    this.plan = undefined;
    this.run = undefined;
  }

  async connectedCallback() {
    try {
      const [jobs, objects, orgs] = await Promise.all([listJobs(this.orgId), listObjectOptions(this.orgId), listOrgs()]);
      this.jobOptions = jobs
        .filter((j) => j.status === 'succeeded')
        .map((j) => ({ value: j.id, label: `${j.kind === 'recovery_point' ? 'Recovery point' : 'Backup'} ${j.finishedAt ?? j.id}` }));
      this.objectOptions = objects;
      this.orgOptions = orgs.map((o) => ({ value: o.id, label: o.id === this.orgId ? `${o.name} (this org)` : o.name }));
      if (!this.jobId && this.jobOptions.length > 0) this.jobId = this.jobOptions[0].value;
    } catch (e) {
      this.error = e;
    }
  }

  disconnectedCallback() {
    clearTimeout(this.timer);
  }

  get modeOptions() {
    return MODES;
  }
  get sourceOptions() {
    return [
      { value: 'job', label: 'A backup or recovery point' },
      { value: 'time', label: 'Any time' },
    ];
  }
  get depthOptions() {
    return ['', '0', '1', '2', '3', '4', '5'].map((v) => ({
      value: v,
      label: v === '' ? 'Only these records' : `Children ${v} levels down`,
    }));
  }
  get byJob() {
    return this.source === 'job';
  }

  handleChange(event) {
    const { name } = event.target;
    this[name] = name === 'keepNewer' ? event.target.checked : event.detail.value;
    // A plan is for the choices it was made with.
    this.plan = undefined;
  }

  request(dryRun) {
    const ids = split(this.recordIds);
    const fields = split(this.fields);
    return {
      from: this.source === 'job' ? { jobId: this.jobId } : { at: this.at },
      objects: this.objects,
      ...(ids.length ? { recordIds: ids } : {}),
      ...(this.depth !== '' ? { depth: Number(this.depth) } : {}),
      mode: this.mode,
      ...(fields.length ? { fields } : {}),
      ...(this.keepNewer ? { keepNewer: true } : {}),
      ...(this.targetOrgId && this.targetOrgId !== this.orgId ? { targetOrgId: this.targetOrgId } : {}),
      dryRun,
    };
  }

  async preview() {
    await this.send(async () => {
      this.plan = await restore(this.orgId, this.request(true));
    });
  }

  async start() {
    await this.send(async () => {
      this.run = await restore(this.orgId, this.request(false));
      await this.follow();
    });
  }

  async send(work) {
    this.busy = true;
    this.error = undefined;
    try {
      await work();
    } catch (e) {
      this.error = e;
    } finally {
      this.busy = false;
    }
  }

  async follow() {
    this.run = await getRestore(this.orgId, this.run.runId);
    if (this.run.status === 'queued' || this.run.status === 'running') {
      // eslint-disable-next-line @lwc/lwc/no-async-operation -- a queued run is followed until it ends
      this.timer = setTimeout(() => this.send(() => this.follow()), POLL_MS);
    }
  }

  get previewDisabled() {
    return this.busy || this.objects.length === 0 || (this.byJob ? !this.jobId : !this.at);
  }
  get runDisabled() {
    return this.busy || !this.plan || (this.run && !this.finished);
  }
  get planRows() {
    return (this.plan?.objects ?? []).map((o) => ({
      ...o,
      fieldsChanged: Object.entries(o.fieldsChanged)
        .map(([f, n]) => `${f}: ${n}`)
        .join(', '),
      conflicts: Object.entries(o.conflicts)
        .map(([f, n]) => `${f}: ${n}`)
        .join(', '),
    }));
  }
  get survivorRows() {
    return (this.plan?.survivors ?? []).map((s) => ({ ...s, key: `${s.object}.${s.field}` }));
  }
  get hasSurvivors() {
    return this.survivorRows.length > 0;
  }
  get finished() {
    return this.run?.status === 'succeeded' || this.run?.status === 'failed';
  }
  get progress() {
    const p = this.run?.progress ?? { total: 0, done: 0 };
    return p.total > 0 ? Math.round((100 * p.done) / p.total) : 0;
  }
  get runSummary() {
    const r = this.run;
    if (!r) return '';
    if (!this.finished) return `Restore ${r.status}: ${r.progress.done} of ${r.progress.total} records`;
    return `Restore ${r.status}: ${r.succeeded} records written, ${r.failed} failed, ${r.apiCalls} API calls`;
  }

  async downloadResults() {
    await this.send(async () => {
      const csv = await getRestoreResults(this.orgId, this.run.runId);
      const link = document.createElement('a');
      link.href = `data:text/csv;charset=utf-8,${encodeURIComponent(csv)}`;
      link.download = `restore-${this.run.runId}.csv`;
      link.click();
    });
  }
}
