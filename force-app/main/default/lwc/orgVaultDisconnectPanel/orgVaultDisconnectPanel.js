import OrgVaultPanel from 'c/orgVaultPanel';
import { deleteOrgBackups, disconnectOrg } from 'c/orgVaultApi';
import { errorTitle } from 'c/orgVaultErrors';

/**
 * Disconnect, confirmed: the engine revokes its tokens and stops the schedule and the stream;
 * backups stay. Deleting them too is a separate choice, confirmed by typing the org's name. For an
 * org disconnected earlier (it has disconnectedAt), deleting its kept backups is the only choice.
 */
export default class OrgVaultDisconnectPanel extends OrgVaultPanel {
  deleteBackups = false;
  confirmName = '';

  get alreadyDisconnected() {
    return Boolean(this.org.disconnectedAt);
  }

  get deleting() {
    return this.alreadyDisconnected || this.deleteBackups;
  }

  get heading() {
    return this.alreadyDisconnected ? `Delete the backups of ${this.org.name}?` : `Disconnect ${this.org.name}?`;
  }

  get confirmLabel() {
    return `Type ${this.org.name} to delete its backups for good`;
  }

  get primaryLabel() {
    if (this.alreadyDisconnected) return 'Delete backups';
    return this.deleteBackups ? 'Disconnect and delete backups' : 'Disconnect';
  }

  get primaryDisabled() {
    return this.busy || (this.deleting && this.confirmName !== this.org.name);
  }

  get errorTitle() {
    return errorTitle(
      this.error,
      this.alreadyDisconnected ? 'The backups could not be deleted' : 'The organization could not be disconnected',
    );
  }

  handleDeleteBackups(event) {
    this.deleteBackups = event.detail.checked;
  }

  handleConfirmName(event) {
    this.confirmName = (event.detail.value ?? '').trim();
  }

  disconnect() {
    const { id, name } = this.org;
    if (this.alreadyDisconnected) return this.submit(() => deleteOrgBackups(id), `The backups of ${name} are deleted.`);
    if (this.deleteBackups) return this.submit(() => deleteOrgBackups(id), `${name} is disconnected and its backups are deleted.`);
    return this.submit(() => disconnectOrg(id), `${name} is disconnected; its backups are kept.`);
  }
}
