import { LightningElement, api } from 'lwc';
import { listDeletedRecords } from 'c/orgVaultApi';

/**
 * Deleted records: what was deleted in a window (by default the Recycle Bin's 15 days) and is not
 * back, per object, each beside the parent a cascade took it with. Choosing a parent chooses what
 * went with it; "Restore selected" hands the choice to the restore wizard (a `restore` event) as a
 * `deleted` restore from just before the earliest deletion.
 */
export default class OrgVaultDeletedRecords extends LightningElement {
  @api orgId;

  since = '';
  answer;
  error;
  loading = false;
  chosenIds = new Set();

  connectedCallback() {
    this.load();
  }

  handleSince(event) {
    this.since = event.detail.value ?? '';
  }

  async load() {
    this.loading = true;
    try {
      this.answer = await listDeletedRecords(this.orgId, { since: this.since });
      this.chosenIds = new Set();
      this.error = undefined;
    } catch (e) {
      this.error = e;
    } finally {
      this.loading = false;
    }
  }

  /** Every deleted record by id, with its object. */
  get byId() {
    const map = new Map();
    for (const o of this.answer?.objects ?? []) for (const r of o.records) map.set(r.id, { ...r, object: o.object });
    return map;
  }

  get groups() {
    const byId = this.byId;
    return (this.answer?.objects ?? []).map((o) => ({
      object: o.object,
      heading: `${o.object} (${o.records.length}${o.truncated ? '+' : ''})`,
      allSelected: o.records.length > 0 && o.records.every((r) => this.chosenIds.has(r.id)),
      selectAllLabel: `Select every deleted ${o.object}`,
      rows: o.records.map((r) => {
        const parent = r.parent ? byId.get(r.parent.id) : undefined;
        return {
          id: r.id,
          label: r.label ?? r.id,
          deletedAt: r.deletedAt,
          checked: this.chosenIds.has(r.id),
          selectLabel: `Select ${r.label ?? r.id}`,
          wentWith: r.parent ? `${r.parent.object} ${parent?.label ?? r.parent.id}` : '',
        };
      }),
    }));
  }

  get hasGroups() {
    return (this.answer?.objects ?? []).length > 0;
  }

  get selectedCount() {
    return this.chosenIds.size;
  }

  get restoreDisabled() {
    return this.chosenIds.size === 0;
  }

  /** A record and, transitively, the records that went with it. */
  withChildren(ids) {
    const out = new Set(ids);
    let grew = true;
    while (grew) {
      grew = false;
      for (const r of this.byId.values()) {
        if (r.parent && out.has(r.parent.id) && !out.has(r.id)) {
          out.add(r.id);
          grew = true;
        }
      }
    }
    return out;
  }

  toggle(event) {
    const ids = this.withChildren([event.target.dataset.id]);
    const next = new Set(this.chosenIds);
    for (const id of ids)
      if (event.target.checked) next.add(id);
      else next.delete(id);
    this.chosenIds = next;
  }

  toggleObject(event) {
    const group = (this.answer?.objects ?? []).find((o) => o.object === event.target.dataset.object);
    const ids = this.withChildren(group.records.map((r) => r.id));
    const next = new Set(this.chosenIds);
    for (const id of ids)
      if (event.target.checked) next.add(id);
      else next.delete(id);
    this.chosenIds = next;
  }

  restoreSelected() {
    const chosen = [...this.chosenIds].map((id) => this.byId.get(id));
    const earliest = Math.min(...chosen.map((r) => Date.parse(r.deletedAt)));
    const objects = (this.answer?.objects ?? []).map((o) => o.object).filter((o) => chosen.some((r) => r.object === o));
    this.dispatchEvent(
      new CustomEvent('restore', {
        detail: {
          from: { at: new Date(earliest - 1).toISOString() },
          objects,
          recordIds: chosen.map((r) => r.id),
          mode: 'deleted',
        },
      }),
    );
  }
}
