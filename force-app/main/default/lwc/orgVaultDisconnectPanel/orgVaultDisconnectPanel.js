import OrgVaultPanel from 'c/orgVaultPanel';
import { disconnectOrg } from 'c/orgVaultApi';
import { errorTitle } from 'c/orgVaultErrors';

/** Disconnect, confirmed: the engine revokes its tokens and stops the schedule and the stream; backups stay. */
export default class OrgVaultDisconnectPanel extends OrgVaultPanel {
  get heading() {
    return `Disconnect ${this.org.name}?`;
  }

  get errorTitle() {
    return errorTitle(this.error, 'The organization could not be disconnected');
  }

  disconnect() {
    return this.submit(() => disconnectOrg(this.org.id), `${this.org.name} is disconnected; its backups are kept.`);
  }
}
