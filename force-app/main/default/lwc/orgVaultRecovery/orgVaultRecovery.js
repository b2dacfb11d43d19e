import { LightningElement, api } from 'lwc';

/**
 * Recovery on the details page: deleted records, record history and compare to find what to
 * recover, and the restore wizard. A choice made in any of the first three opens the wizard
 * filled with it. Closed until asked for: each listing of deleted records is a read of customer
 * data on the audit trail, not something every visit to the details page should make.
 */
export default class OrgVaultRecovery extends LightningElement {
  @api orgId;

  activeTab = 'deleted';
  preset;
  closed = true;

  open() {
    this.closed = false;
  }

  handleTab(event) {
    this.activeTab = event.target.value;
  }

  handleRestore(event) {
    this.preset = event.detail;
    this.activeTab = 'restore';
  }
}
