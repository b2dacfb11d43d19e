import { LightningElement, api } from 'lwc';
import { reduceActions, reduceErrors } from 'c/orgVaultErrors';

/** Shows one or more errors: what went wrong and, for engine errors, what the user can do. */
export default class ErrorPanel extends LightningElement {
  @api friendlyMessage = 'Something went wrong';
  @api errors;

  get messages() {
    return reduceErrors(this.errors).map((text, i) => ({ key: `m${i}`, text }));
  }

  get actions() {
    return reduceActions(this.errors).map((text, i) => ({ key: `a${i}`, text }));
  }

  get hasActions() {
    return this.actions.length > 0;
  }
}
