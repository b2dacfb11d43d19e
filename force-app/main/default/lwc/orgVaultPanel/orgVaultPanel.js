import { LightningElement, api } from 'lwc';

/**
 * What every panel of a tile command shares: the organization it acts on, loading what it shows,
 * and submitting — on success the page hears `done` (and refreshes), on failure the panel stays
 * open with the reason in its dialog.
 */
export default class OrgVaultPanel extends LightningElement {
  @api org;

  error;
  busy = false;

  async load(fetch) {
    try {
      return await fetch();
    } catch (e) {
      this.error = e;
      return undefined;
    }
  }

  async submit(action, message) {
    this.busy = true;
    this.error = undefined;
    try {
      const result = await action();
      this.dispatchEvent(new CustomEvent('done', { detail: { message, result } }));
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
