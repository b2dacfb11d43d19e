import { LightningElement, api } from 'lwc';

/** A point in time as the page shows every one: date, hour and minute in the user's locale and zone. */
export default class OrgVaultDateTime extends LightningElement {
  @api value;
}
