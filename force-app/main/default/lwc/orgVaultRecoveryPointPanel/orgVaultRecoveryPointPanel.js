import { LightningElement, api } from 'lwc';
import { createRecoveryPoint, listObjectOptions } from 'c/orgVaultApi';
import { errorTitle } from 'c/orgVaultErrors';

/** Generate recovery point: the state of chosen objects at a requested time. */
export default class OrgVaultRecoveryPointPanel extends LightningElement {
  @api org;

  objectOptions;
  chosenObjects = [];
  at = new Date().toISOString();
  error;
  busy = false;

  async connectedCallback() {
    try {
      this.objectOptions = await listObjectOptions(this.org.id);
    } catch (e) {
      this.error = e;
    }
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

  async create() {
    this.busy = true;
    this.error = undefined;
    try {
      const point = await createRecoveryPoint(this.org.id, this.chosenObjects, new Date(this.at).toISOString());
      this.dispatchEvent(new CustomEvent('done', { detail: { message: `Recovery point for ${this.org.name} requested.`, point } }));
    } catch (e) {
      this.error = e;
    } finally {
      this.busy = false;
    }
  }

  close() {
    this.dispatchEvent(new CustomEvent('close'));
  }
}
