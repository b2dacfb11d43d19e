import { LightningElement, api } from 'lwc';
import { compare, listJobs, listObjectOptions } from 'c/orgVaultApi';

/**
 * Compare a backup with the live org or with another backup: per object the records added,
 * deleted and changed, then per changed record its fields, backed-up and current value side by
 * side. Records chosen here go to the restore wizard (a `restore` event).
 */
export default class OrgVaultCompare extends LightningElement {
  @api orgId;

  fromJob = '';
  toJob = '';
  objects = [];
  jobOptions = [];
  objectOptions = [];
  result;
  error;
  busy = false;
  chosen = new Set();

  async connectedCallback() {
    try {
      const [jobs, objects] = await Promise.all([listJobs(this.orgId), listObjectOptions(this.orgId)]);
      this.jobOptions = jobs
        .filter((j) => j.status === 'succeeded')
        .map((j) => ({ value: j.id, label: `${j.kind === 'recovery_point' ? 'Recovery point' : 'Backup'} ${j.finishedAt ?? j.id}` }));
      this.objectOptions = objects;
      if (this.jobOptions.length > 0) this.fromJob = this.jobOptions[0].value;
    } catch (e) {
      this.error = e;
    }
  }

  get toOptions() {
    return [{ value: '', label: 'The live org' }, ...this.jobOptions];
  }

  handleChange(event) {
    this[event.target.name] = event.detail.value;
  }

  get compareDisabled() {
    return this.busy || !this.fromJob || this.objects.length === 0;
  }

  async run() {
    this.busy = true;
    try {
      this.result = await compare(this.orgId, {
        from: { jobId: this.fromJob },
        to: this.toJob ? { jobId: this.toJob } : { live: true },
        objects: this.objects,
        detailLimit: 1000,
      });
      this.chosen = new Set();
      this.error = undefined;
    } catch (e) {
      this.error = e;
    } finally {
      this.busy = false;
    }
  }

  get summaries() {
    return (this.result?.objects ?? []).map((o) => ({
      object: o.object,
      added: o.added.length,
      deleted: o.deleted.length,
      changed: o.changed.length,
    }));
  }

  /** One row per changed field, and one per deleted record, each choosable by its record. */
  get rows() {
    const out = [];
    for (const o of this.result?.objects ?? []) {
      for (const d of o.details)
        d.fields.forEach((f, i) =>
          out.push({
            key: `${o.object}.${d.id}.${f.field}`,
            id: d.id,
            object: o.object,
            first: i === 0,
            checked: this.chosen.has(d.id),
            chooseLabel: `Choose ${d.id}`,
            field: f.field,
            from: f.from ?? '—',
            to: f.to ?? '—',
          }),
        );
      for (const id of o.deleted)
        out.push({
          key: `${o.object}.${id}`,
          id,
          object: o.object,
          first: true,
          checked: this.chosen.has(id),
          chooseLabel: `Choose ${id}`,
          field: '(deleted)',
          from: '',
          to: '',
        });
    }
    return out;
  }

  get hasRows() {
    return this.rows.length > 0;
  }

  get restoreDisabled() {
    return this.chosen.size === 0;
  }

  choose(event) {
    const next = new Set(this.chosen);
    if (event.target.checked) next.add(event.target.dataset.id);
    else next.delete(event.target.dataset.id);
    this.chosen = next;
  }

  restoreChosen() {
    const objects = (this.result?.objects ?? []).filter((o) => [...o.changed, ...o.deleted].some((id) => this.chosen.has(id)));
    const deleted = objects.some((o) => o.deleted.some((id) => this.chosen.has(id)));
    this.dispatchEvent(
      new CustomEvent('restore', {
        detail: {
          from: { jobId: this.fromJob },
          objects: objects.map((o) => o.object),
          recordIds: [...this.chosen],
          mode: deleted ? 'overwrite' : 'changed',
        },
      }),
    );
  }
}
