import { LightningElement, api } from 'lwc';

/**
 * The modal shell every panel uses (SLDS modal markup): a titled dialog with a body and a footer
 * slot. Escape and the close button dispatch `close`; the owner decides what closing means.
 */
export default class OrgVaultDialog extends LightningElement {
  @api heading;

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
}
