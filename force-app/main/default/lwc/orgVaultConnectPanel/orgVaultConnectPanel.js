import OrgVaultPanel from 'c/orgVaultPanel';
import { connectOrg, reconnectOrg } from 'c/orgVaultApi';
import { errorTitle } from 'c/orgVaultErrors';

/**
 * Connect organization (no org) or Reconnect (an org whose access Salesforce revoked): asks the
 * engine for Salesforce's login URL (OAuth web-server flow with PKCE) and opens it in a new
 * window. The login ends at the engine, which connects the org; the page refreshes when shown again.
 */
export default class OrgVaultConnectPanel extends OrgVaultPanel {
  environment = 'production';
  myDomainUrl = '';

  environmentOptions = [
    { label: 'Production (login.salesforce.com)', value: 'production' },
    { label: 'Sandbox (test.salesforce.com)', value: 'sandbox' },
    { label: 'Custom domain (My Domain)', value: 'custom' },
  ];

  get heading() {
    return this.org ? `Reconnect ${this.org.name}` : 'Connect organization';
  }

  get isCustom() {
    return this.environment === 'custom';
  }

  get loginDisabled() {
    return this.busy || (!this.org && this.isCustom && !/^https?:\/\/\S+$/.test(this.myDomainUrl));
  }

  get errorTitle() {
    return errorTitle(this.error, 'The login could not start');
  }

  handleEnvironment(event) {
    this.environment = event.detail.value;
  }

  handleMyDomain(event) {
    this.myDomainUrl = (event.detail.value ?? '').trim();
  }

  login() {
    const message = this.org
      ? `Log in to Salesforce in the new window to reconnect ${this.org.name}.`
      : 'Log in to Salesforce in the new window; the organization appears here once you are done.';
    return this.submit(async () => {
      const link = this.org ? await reconnectOrg(this.org.id) : await connectOrg(this.environment, this.isCustom ? this.myDomainUrl : null);
      window.open(link.authorizeUrl, '_blank');
      return link;
    }, message);
  }
}
