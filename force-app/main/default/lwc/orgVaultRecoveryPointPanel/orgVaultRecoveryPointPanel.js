import OrgVaultPanel from 'c/orgVaultPanel';
import { createRecoveryPoint, listObjectOptions } from 'c/orgVaultApi';
import { errorTitle } from 'c/orgVaultErrors';

/** Generate recovery point: the state of chosen objects at a requested time. */
export default class OrgVaultRecoveryPointPanel extends OrgVaultPanel {
  objectOptions;
  chosenObjects = [];
  at = new Date().toISOString();

  async connectedCallback() {
    this.objectOptions = await this.load(() => listObjectOptions(this.org.id));
  }

  get heading() {
    return `Generate recovery point for ${this.org.name}`;
  }

  get createDisabled() {
    return this.busy || this.chosenObjects.length === 0 || !this.at;
  }

  get errorTitle() {
    return errorTitle(this.error, 'The recovery point could not be generated');
  }

  handleObjects(event) {
    this.chosenObjects = event.detail.value;
  }

  handleAt(event) {
    this.at = event.detail.value;
  }

  create() {
    return this.submit(
      () => createRecoveryPoint(this.org.id, this.chosenObjects, new Date(this.at).toISOString()),
      `Recovery point for ${this.org.name} requested.`,
    );
  }
}
