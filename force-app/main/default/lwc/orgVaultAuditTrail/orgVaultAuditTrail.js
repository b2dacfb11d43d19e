import { LightningElement, api } from 'lwc';
import { getAuditTrail, getMe } from 'c/orgVaultApi';

/** The actions a trail entry can name, in the words the page uses (the engine's names are the values). */
const ACTIONS = {
  'org.connect': 'Connect organization',
  'org.reconnect': 'Reconnect organization',
  'org.disconnect': 'Disconnect organization',
  'org.hide': 'Hide or show organization',
  'org.read': 'Read organization',
  'backup.run': 'Back up now',
  'recovery-point.create': 'Generate recovery point',
  'jobs.read': 'Read jobs',
  'settings.read': 'Read settings',
  'settings.backup.change': 'Change backup settings',
  'settings.cdp.change': 'Change continuous protection',
  'settings.permission-check.change': 'Change permission check settings',
  'settings.admin-emails.change': "Change administrators' addresses",
  'subscription.change': 'Change subscription',
  'permission-check.run': 'Check permissions',
  'restore.dry-run': 'Restore dry run',
  'restore.run': 'Restore',
  'restore.read': 'Read restores',
  'restore.results.read': 'Download restore results',
  'compare.run': 'Compare',
  'record.history.read': 'Read record history',
  'records.deleted.read': 'List deleted records',
  'export.run': 'Export records',
  'store.check': 'Check stored backups',
  'key.create': 'Create API key',
  'key.revoke': 'Revoke API key',
  'keys.read': 'Read API keys',
  'me.read': 'Read own access',
  'audit.read': 'Read audit trail',
  'audit.export': 'Export audit trail',
  'audit.prune': 'Prune audit trail',
  'audit.settings.change': 'Change audit settings',
  'legal-hold.create': 'Place legal hold',
  'legal-hold.release': 'Release legal hold',
  'legal-hold.read': 'Read legal holds',
  'erasure.request': 'Request erasure',
  'erasure.dry-run': 'Erasure dry run',
  'erasure.approve': 'Approve erasure',
  'erasure.read': 'Read erasure requests',
  'retention.policy.change': 'Change retention policy',
  'prune.run': 'Prune backups',
};

const SOURCES = { page: 'Page', api: 'API', cli: 'CLI', schedule: 'Schedule' };

/** The filters above the trail, in order; `options` makes a field a choice list. */
const FILTERS = [
  { name: 'actor', label: 'Who', type: 'text' },
  { name: 'action', label: 'Action', options: true },
  { name: 'since', label: 'From', type: 'datetime' },
  { name: 'until', label: 'Until', type: 'datetime' },
];

/**
 * The organization's audit trail for administrators: who did what, from where, on what and how it
 * ended, newest first, filtered by actor, action and time, a page at a time. Shown only to callers
 * the engine lets read the trail (asking otherwise would itself be a refusal on record).
 */
export default class OrgVaultAuditTrail extends LightningElement {
  @api orgId;

  allowed = false;
  entries = [];
  error;
  loading = false;
  filters = Object.fromEntries(FILTERS.map((f) => [f.name, '']));
  /** The `before` of each page shown so far: the way back to newer pages. */
  pages = [];
  nextBefore = null;

  async connectedCallback() {
    try {
      const me = await getMe();
      this.allowed = (me?.actions ?? []).includes('audit.read');
    } catch (e) {
      this.error = e;
    }
    if (this.allowed) await this.load();
  }

  async load(before) {
    this.loading = true;
    try {
      const page = await getAuditTrail(this.orgId, { ...this.filters, before: before ?? null });
      this.entries = page?.entries ?? [];
      this.nextBefore = page?.nextBefore ?? null;
      this.error = undefined;
    } catch (e) {
      this.error = e;
    } finally {
      this.loading = false;
    }
  }

  get actionOptions() {
    return [{ label: 'Any action', value: '' }, ...Object.entries(ACTIONS).map(([value, label]) => ({ label, value }))];
  }

  get filterFields() {
    return FILTERS.map((f) => ({
      ...f,
      value: this.filters[f.name],
      options: f.options ? this.actionOptions : undefined,
    }));
  }

  get rows() {
    return this.entries.map((e) => ({
      key: `${e.seq}`,
      at: e.at,
      actor: e.actor,
      source: SOURCES[e.source] ?? e.source,
      action: ACTIONS[e.action] ?? e.action,
      target: e.target ?? '',
      outcome: e.code ? `${e.outcome} (${e.code})` : e.outcome,
      outcomeClass: e.outcome === 'succeeded' ? 'outcome' : 'outcome slds-text-color_error',
      requestId: e.requestId ?? '',
    }));
  }

  get hasRows() {
    return this.entries.length > 0;
  }

  get olderDisabled() {
    return this.loading || this.nextBefore === null;
  }

  get newerDisabled() {
    return this.loading || this.pages.length === 0;
  }

  handleFilter(event) {
    this.filters = { ...this.filters, [event.target.name]: event.detail.value ?? '' };
  }

  async applyFilters() {
    this.pages = [];
    await this.load();
  }

  async older() {
    this.pages = [...this.pages, this.nextBefore];
    await this.load(this.nextBefore);
  }

  async newer() {
    const pages = this.pages.slice(0, -1);
    this.pages = pages;
    await this.load(pages.length > 0 ? pages[pages.length - 1] : undefined);
  }
}
