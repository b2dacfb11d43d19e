/** Options of an emulator instance (the CLI flags map onto these). */
export interface EmulatorOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** Host to bind; default 127.0.0.1. */
  host?: string;
  /** Serve https with a self-signed certificate made at start (EMULATOR_READY.tlsCertificate, PEM). */
  tls?: boolean;
  /** About how many records to generate (default 1000). */
  records?: number;
  /** Generator seed (default 1): the same seed gives the same org. */
  seed?: number;
  /** The org's id is 00D + this number; default: 1, 2, ... per process (emulators in separate processes need their own). */
  orgNumber?: number;
  /**
   * Where the emulator keeps what outlives a restart: its connection details, the org's number
   * (a restart on it serves the same org) and the issued tokens; default: memory only.
   */
  dataDir?: string;
  /** Epoch ms the generated history ends at (default: start of the current UTC day). */
  anchorTime?: number;
  /** The org's clock (epoch ms); default Date.now. */
  clock?: () => number;
  /** Admin user's username (default admin@org<org number>.orgvault-emulator.test). */
  username?: string;
  /** The password every active user logs in with: SOAP login() and the OAuth login page (default "emulator"). */
  password?: string;
  isSandbox?: boolean;
  timeZone?: string;
  /** Daily API request budget (default 100000). */
  dailyApiRequests?: number;
  /** Lifetime of issued access tokens in ms (default: until expired on demand). */
  accessTokenTtlMs?: number;
  /**
   * Access log: one line per request (`METHOD path status ms`) so a failing client shows what it
   * asked for; true writes to stderr, a function receives each line.
   */
  logRequests?: boolean | ((line: string) => void);
  /** Enables the /__emulator admin endpoint (faults and mutations). */
  admin?: boolean;
  /** PEM certificate (or public key) that JWT bearer assertions are verified with. */
  jwtCertificate?: string;
  /** Connected app consumer key expected as the JWT `iss` (any when absent). */
  jwtClientId?: string;
  /** Connected apps for the web-server flow besides the sf CLI's PlatformCLI (callback http://localhost:1717/OauthRedirect). */
  connectedApps?: import('./oauth/connected-apps.js').ConnectedApp[];
  /** Change Data Capture (CometD, Pub/Sub API) settings; false leaves it out. */
  cdc?: import('./cdc/extension.js').CdcExtensionOptions | false;
  /** Mounted after the core routes (CDC: CometD, Pub/Sub). */
  extensions?: import('./extension.js').EmulatorExtension[];
}
