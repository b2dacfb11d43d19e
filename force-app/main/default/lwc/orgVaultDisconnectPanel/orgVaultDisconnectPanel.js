import OrgVaultPanel from 'c/orgVaultPanel';
import { deleteOrgBackups, disconnectOrg } from 'c/orgVaultApi';
import { errorTitle } from 'c/orgVaultErrors';

/**
 * Disconnect, confirmed: the engine revokes its tokens and stops the schedule and the stream;
 * backups stay. Deleting them too is a separate choice, confirmed by typing the org's name.
 */
export default class OrgVaultDisconnectPanel extends OrgVaultPanel {
  deleteBackups = false;
  confirmName = '';

  get heading() {
    return `Disconnect ${this.org.name}?`;
  }

  get confirmLabel() {
    return `Type ${this.org.name} to delete its backups for good`;
  }

  get primaryLabel() {
    return this.deleteBackups ? 'Disconnect and delete backups' : 'Disconnect';
  }

  get primaryDisabled() {
    return this.busy || (this.deleteBackups && this.confirmName !== this.org.name);
  }

  get errorTitle() {
    return errorTitle(this.error, 'The organization could not be disconnected');
  }

  handleDeleteBackups(event) {
    this.deleteBackups = event.detail.checked;
  }

  handleConfirmName(event) {
    this.confirmName = (event.detail.value ?? '').trim();
  }

  disconnect() {
    if (this.deleteBackups) {
      return this.submit(() => deleteOrgBackups(this.org.id), `${this.org.name} is disconnected and its backups are deleted.`);
    }
    return this.submit(() => disconnectOrg(this.org.id), `${this.org.name} is disconnected; its backups are kept.`);
  }
}
