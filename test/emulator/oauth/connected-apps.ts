/**
 * Connected apps as an org's admin registers them: consumer key, consumer secret, callback URLs,
 * and whether the web-server flow must send the secret ("Require Secret for Web Server Flow").
 * The sf CLI's own app, PlatformCLI, is there by default with its callback on localhost:1717, as
 * in every Salesforce org.
 */
export interface ConnectedApp {
  clientId: string;
  clientSecret?: string;
  /** Exact callback URLs (Salesforce compares redirect_uri with them as strings). */
  callbackUrls: string[];
  /** Default: true when the app has a secret. */
  requireSecret?: boolean;
}

export const PLATFORM_CLI: ConnectedApp = { clientId: 'PlatformCLI', callbackUrls: ['http://localhost:1717/OauthRedirect'] };

export class ConnectedApps {
  readonly #apps = new Map<string, ConnectedApp>();

  constructor(apps: ConnectedApp[] = []) {
    this.register(PLATFORM_CLI);
    for (const app of apps) this.register(app);
  }

  /** Adds an app, or replaces one with the same consumer key (an admin editing its callback URLs). */
  register(app: ConnectedApp): void {
    this.#apps.set(app.clientId, { ...app, callbackUrls: [...app.callbackUrls] });
  }

  get(clientId: string): ConnectedApp | undefined {
    return this.#apps.get(clientId);
  }

  requiresSecret(app: ConnectedApp): boolean {
    return app.requireSecret ?? app.clientSecret !== undefined;
  }
}
