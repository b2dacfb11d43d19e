import { LightningElement, wire } from 'lwc';
import { CurrentPageReference } from 'lightning/navigation';
import { ShowToastEvent } from 'lightning/platformShowToastEvent';
import { getMe, listDisconnectedOrgs, listOrgs, runPermissionCheck, setOrgHidden } from 'c/orgVaultApi';
import { errorTitle, reduceErrors } from 'c/orgVaultErrors';

/**
 * Tiles go stale slowly (jobs run for minutes); the page also refreshes whenever it is shown again:
 * the tab becomes visible, or the admin navigates back to it inside Lightning.
 */
export const REFRESH_INTERVAL_MS = 10 * 60 * 1000;

/** Menu commands that open a panel; the others act at once. */
const PANELS = {
  backup: 'isBackupNow',
  recoveryPoint: 'isRecoveryPoint',
  permissionCheckSettings: 'isPermissionCheckSettings',
  backupSettings: 'isBackupSettings',
  reconnect: 'isConnect',
  disconnect: 'isDisconnect',
};

/**
 * The OrgVault Backup page: a tile per organization, a Refresh button, a Hidden organizations
 * section, for administrators the Disconnected organizations whose backups are kept (Delete
 * backups), and the panels and details view the tiles' commands open.
 */
export default class OrgVaultBackupPage extends LightningElement {
  orgs = [];
  disconnectedOrgs = [];
  allowedActions = [];
  loaded = false;
  error;
  showHidden = false;
  panel;
  panelOrg;
  detailsOrgId;
  /** The last outcome, also said in a live region: toasts do not show outside Lightning Experience. */
  statusMessage;

  connectedCallback() {
    this.refresh();
    // eslint-disable-next-line @lwc/lwc/no-async-operation -- the page refreshes itself on a timer by design
    this.timer = setInterval(() => this.refresh(), REFRESH_INTERVAL_MS);
    this.onVisibility = () => {
      if (document.visibilityState === 'visible') this.refresh();
    };
    document.addEventListener('visibilitychange', this.onVisibility);
  }

  /**
   * Lightning keeps the page alive while the admin is elsewhere in the app and may tell it the page
   * references it passes through. The first one is this page's own, at the first load (already
   * refreshed); each later reference to it means the admin navigated back; others are not ours.
   */
  @wire(CurrentPageReference)
  onPageReference(reference) {
    if (!reference) return;
    const key = JSON.stringify([reference.type, reference.attributes]);
    if (this.ownPageKey === undefined) this.ownPageKey = key;
    else if (key === this.ownPageKey) this.refresh();
  }

  disconnectedCallback() {
    clearInterval(this.timer);
    document.removeEventListener('visibilitychange', this.onVisibility);
  }

  async refresh() {
    try {
      const [me, orgs] = await Promise.all([getMe(), listOrgs()]);
      this.allowedActions = me?.actions ?? [];
      this.orgs = orgs;
      this.disconnectedOrgs = this.allowedActions.includes('orgs.disconnect') ? await listDisconnectedOrgs() : [];
      this.error = undefined;
    } catch (e) {
      this.error = e;
    } finally {
      this.loaded = true;
    }
    this.template.querySelector('c-org-vault-org-details')?.load();
  }

  get visibleOrgs() {
    return this.orgs.filter((o) => !o.hidden);
  }

  get hiddenOrgs() {
    return this.orgs.filter((o) => o.hidden);
  }

  get hasVisibleOrgs() {
    return this.visibleOrgs.length > 0;
  }

  get hasHiddenOrgs() {
    return this.hiddenOrgs.length > 0;
  }

  get hasDisconnectedOrgs() {
    return this.disconnectedOrgs.length > 0;
  }

  get hiddenToggleLabel() {
    return this.showHidden ? 'Hide hidden organizations' : `Show hidden organizations (${this.hiddenOrgs.length})`;
  }

  get errorTitle() {
    return errorTitle(this.error, 'The organizations could not be loaded');
  }

  get showEmpty() {
    return this.loaded && !this.error && !this.hasVisibleOrgs && !this.hasHiddenOrgs;
  }

  get isBackupNow() {
    return this.panel === PANELS.backup;
  }

  get isRecoveryPoint() {
    return this.panel === PANELS.recoveryPoint;
  }

  get isPermissionCheckSettings() {
    return this.panel === PANELS.permissionCheckSettings;
  }

  get isBackupSettings() {
    return this.panel === PANELS.backupSettings;
  }

  /** Connect organization (no org) or Reconnect (the tile's org). */
  get isConnect() {
    return this.panel === PANELS.reconnect;
  }

  get isDisconnect() {
    return this.panel === PANELS.disconnect;
  }

  get canConnect() {
    return this.allowedActions.includes('orgs.connect');
  }

  openConnect() {
    this.panel = PANELS.reconnect;
    this.panelOrg = undefined;
  }

  /** Delete backups of a disconnected org: the disconnect panel, in its deleting-only form. */
  openDeleteBackups(event) {
    this.panel = PANELS.disconnect;
    this.panelOrg = this.disconnectedOrgs.find((o) => o.id === event.target.dataset.id);
  }

  toggleHidden() {
    this.showHidden = !this.showHidden;
  }

  async handleCommand(event) {
    const { command, orgId } = event.detail;
    const org = this.orgs.find((o) => o.id === orgId);
    if (PANELS[command]) {
      this.panel = PANELS[command];
      this.panelOrg = org;
      return;
    }
    try {
      if (command === 'details') {
        this.detailsOrgId = orgId;
      } else if (command === 'hide' || command === 'show') {
        await setOrgHidden(orgId, command === 'hide');
        this.toast('success', command === 'hide' ? `${org.name} is hidden.` : `${org.name} is shown again.`);
        await this.refresh();
      } else if (command === 'checkPermissions') {
        await runPermissionCheck(orgId);
        this.toast('success', `Permission check of ${org.name} started.`);
      }
    } catch (e) {
      this.toast('error', `${errorTitle(e, 'That did not work')}: ${reduceErrors(e).join(' ')}`);
    }
  }

  closePanel() {
    this.panel = undefined;
    this.panelOrg = undefined;
  }

  async panelDone(event) {
    this.closePanel();
    this.toast('success', event.detail.message);
    await this.refresh();
  }

  closeDetails() {
    this.detailsOrgId = undefined;
  }

  toast(variant, message) {
    this.dispatchEvent(new ShowToastEvent({ title: variant === 'error' ? 'OrgVault' : 'Done', message, variant }));
    this.statusMessage = message;
  }
}
