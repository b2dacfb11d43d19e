import { LightningElement, api } from 'lwc';
import { formatCount, formatDuration } from 'c/orgVaultFormat';

/** The tile's More commands, each offered only when the engine allows the user that action. */
const COMMANDS = [
  { value: 'reconnect', label: 'Reconnect', action: 'orgs.reconnect', whenReconnectNeeded: true },
  { value: 'backup', label: 'Back up now', action: 'backup.run' },
  { value: 'recoveryPoint', label: 'Generate recovery point', action: 'recovery-point.create' },
  { value: 'permissionCheckSettings', label: 'Configure permission check settings', action: 'settings.write' },
  { value: 'checkPermissions', label: 'Check permissions now', action: 'permission-check.run' },
  { value: 'backupSettings', label: 'Configure backup settings', action: 'settings.write' },
  { value: 'hide', label: 'Hide organization', action: 'orgs.hide', whenHidden: false },
  { value: 'show', label: 'Show organization', action: 'orgs.hide', whenHidden: true },
  { value: 'details', label: 'View details', action: 'jobs.read' },
  { value: 'disconnect', label: 'Disconnect organization', action: 'orgs.disconnect' },
];

const STATUS_VARIANT = {
  succeeded: 'slds-theme_success',
  running: 'slds-theme_info',
  queued: 'slds-theme_info',
  failed: 'slds-theme_error',
  partial: 'slds-theme_warning',
  cancelled: 'slds-theme_warning',
};

const WARNINGS = { failed: 'Last backup failed', partial: 'Last backup partial', stale: 'Backups are late' };

/** One organization: its identity, last and current job, what is protected, next start, and its command menu. */
export default class OrgVaultOrgTile extends LightningElement {
  @api org;
  /** Actions the engine allows this user (GET /me). */
  @api allowedActions = [];

  get commands() {
    const allowed = new Set(this.allowedActions ?? []);
    return COMMANDS.filter(
      (c) =>
        allowed.has(c.action) &&
        (c.whenHidden === undefined || c.whenHidden === !!this.org.hidden) &&
        (c.whenReconnectNeeded === undefined || c.whenReconnectNeeded === this.reconnectNeeded),
    );
  }

  /** Salesforce revoked our access: backups and continuous protection wait for a reconnect. */
  get reconnectNeeded() {
    return this.org.connection === 'reconnect_needed';
  }

  get hasCommands() {
    return this.commands.length > 0;
  }

  get menuLabel() {
    return `More commands for ${this.org.name}`;
  }

  get environment() {
    return this.org.isSandbox ? 'Sandbox' : 'Production';
  }

  get lastJob() {
    return this.org.lastJob ?? null;
  }

  get lastStatus() {
    return this.lastJob ? this.lastJob.status : 'never backed up';
  }

  get lastStatusClass() {
    return `slds-badge status ${STATUS_VARIANT[this.lastJob?.status] ?? ''}`;
  }

  get lastTime() {
    return this.lastJob ? (this.lastJob.finishedAt ?? this.lastJob.startedAt) : null;
  }

  get currentJob() {
    const job = this.org.currentJob;
    return job && (job.status === 'running' || job.status === 'queued') ? job : null;
  }

  /** Progress 0–100 from whichever the engine gives: a percentage, or objects done of total. */
  get progress() {
    const p = this.currentJob?.progress;
    if (!p) return 0;
    if (typeof p.percent === 'number') return Math.round(p.percent);
    if (p.objectsTotal > 0) return Math.round((100 * (p.objectsDone ?? 0)) / p.objectsTotal);
    return 0;
  }

  get progressText() {
    const p = this.currentJob?.progress;
    if (p && p.objectsTotal > 0) return `${p.objectsDone ?? 0} of ${p.objectsTotal} objects`;
    return `${this.progress}%`;
  }

  get protection() {
    return this.org.protection ?? null;
  }

  get neverBackedUp() {
    return !this.protection || this.protection.neverBackedUp;
  }

  get recordsProtected() {
    return this.neverBackedUp ? 'None: never backed up' : formatCount(this.protection.recordsProtected);
  }

  get newestPoint() {
    const age = this.protection?.newestPointAgeMs;
    if (typeof age !== 'number') return this.neverBackedUp ? 'None yet' : 'None: no backup has finished';
    return `${formatDuration(age)} ago`;
  }

  get warning() {
    return this.protection?.warning ?? null;
  }

  /** The badge names what is wrong; the reason in full is there for screen readers and on hover. */
  get warningLabel() {
    return WARNINGS[this.warning.reason] ?? 'Warning';
  }

  get cdpText() {
    if (!this.org.cdpEnabled) return 'Off';
    return this.reconnectNeeded ? 'Paused until reconnected' : 'On';
  }

  handleCommand(event) {
    this.dispatchEvent(new CustomEvent('command', { detail: { command: event.detail.value, orgId: this.org.id } }));
  }
}
