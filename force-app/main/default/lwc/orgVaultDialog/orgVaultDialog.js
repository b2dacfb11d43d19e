import { LightningElement, api } from 'lwc';

/**
 * The modal shell every panel uses (SLDS modal markup): a titled dialog with the panel's form as
 * body, the panel's error (if any) under it, and Cancel plus one primary button in the footer.
 * Cancel, Escape and the close button dispatch `close`; the primary button dispatches `primary`.
 */
export default class OrgVaultDialog extends LightningElement {
  @api heading;
  @api errors;
  @api errorTitle;
  @api primaryLabel = 'Save';
  @api primaryDisabled = false;

  connectedCallback() {
    this.onKey = (event) => {
      if (event.key === 'Escape') this.close();
    };
    window.addEventListener('keydown', this.onKey);
  }

  disconnectedCallback() {
    window.removeEventListener('keydown', this.onKey);
  }

  renderedCallback() {
    if (this.focused) return;
    this.focused = true;
    this.template.querySelector('.close')?.focus();
  }

  close() {
    this.dispatchEvent(new CustomEvent('close'));
  }

  primary() {
    this.dispatchEvent(new CustomEvent('primary'));
  }
}
