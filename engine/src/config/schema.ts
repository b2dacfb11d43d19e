import { z } from 'zod';
import { DATA_DIR } from './file.js';

/** An origin the engine may call as an org besides Salesforce's domains: `scheme://host[:port]`, `*.` before the host, `*` for any port. */
export const ORIGIN_PATTERN = /^(https?):\/\/(\*\.)?([a-z0-9-]+(?:\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])(?::(\d{1,5}|\*))?$/i;

/**
 * Every setting of the engine, with its environment variable and default. The README's
 * configuration table is generated from the same list (scripts/config-table.ts) so the two can
 * never disagree.
 */
export const SETTINGS = {
  port: { env: 'PORT', doc: 'HTTP port of the engine', schema: z.coerce.number().int().min(0).max(65535).default(3000) },
  host: { env: 'ORGVAULT_HOST', doc: 'Address the engine listens on', schema: z.string().min(1).default('127.0.0.1') },
  dataDir: {
    env: DATA_DIR.env,
    doc: 'Directory for embedded PostgreSQL, Azurite and the local key file',
    schema: z.string().min(1).default(DATA_DIR.default),
  },
  databaseUrl: {
    env: 'DATABASE_URL',
    doc: 'PostgreSQL connection string; absent = embedded PostgreSQL',
    schema: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'a postgres:// or postgresql:// URL')
      .optional(),
  },
  databaseOwnerUrl: {
    env: 'DATABASE_OWNER_URL',
    doc: "With DATABASE_URL: the tables' owner, which runs migrations and pg-boss (DATABASE_URL's role then gets only reads and writes); absent = DATABASE_URL's role does both",
    schema: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'a postgres:// or postgresql:// URL')
      .optional(),
  },
  databaseSchema: {
    env: 'ORGVAULT_DB_SCHEMA',
    doc: 'PostgreSQL schema holding OrgVault tables',
    schema: z
      .string()
      .regex(/^[a-z_][a-z0-9_]*$/, 'a lower-case SQL identifier')
      .default('orgvault'),
  },
  embeddedPgPort: {
    env: 'ORGVAULT_EMBEDDED_PG_PORT',
    doc: 'Port of embedded PostgreSQL',
    schema: z.coerce.number().int().min(1).max(65535).default(54329),
  },
  azureStorageConnectionString: {
    env: 'AZURE_STORAGE_CONNECTION_STRING',
    doc: 'Azure Blob Storage connection string; absent = Azurite',
    schema: z.string().includes('=', { message: 'an Azure connection string (Key=Value;...)' }).optional(),
  },
  blobContainer: {
    env: 'ORGVAULT_BLOB_CONTAINER',
    doc: 'Blob container for files and attachments',
    schema: z
      .string()
      .regex(/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/, 'a valid container name')
      .default('orgvault'),
  },
  azuritePort: {
    env: 'ORGVAULT_AZURITE_PORT',
    doc: 'Blob port of embedded Azurite',
    schema: z.coerce.number().int().min(1).max(65535).default(10010),
  },
  keyFile: {
    env: 'ORGVAULT_KEY_FILE',
    doc: 'Key-encryption key file (created on first start); default <dataDir>/keys/kek.key',
    schema: z.string().min(1).optional(),
  },
  keyVaultKeyId: {
    env: 'AZURE_KEY_VAULT_KEY_ID',
    doc: 'Azure Key Vault key URL (with version) that wraps data keys instead of the local key file',
    schema: z.string().url().optional(),
  },
  logLevel: {
    env: 'LOG_LEVEL',
    doc: 'pino log level',
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  },
  smtpUrl: {
    env: 'SMTP_URL',
    doc: 'SMTP server for permission-check reports, e.g. smtp://user:pass@host:587 or smtps://...; absent = reports are only stored',
    schema: z
      .string()
      .regex(/^smtps?:\/\//, 'an smtp:// or smtps:// URL')
      .optional(),
  },
  mailFrom: {
    env: 'ORGVAULT_MAIL_FROM',
    doc: 'Sender address of the mails OrgVault sends',
    schema: z.string().min(3).default('OrgVault <orgvault@localhost>'),
  },
  bootstrapKey: {
    env: 'ORGVAULT_BOOTSTRAP_KEY',
    doc: 'At start, create a tenant whose first API key is this value (at least 32 characters) unless it exists',
    schema: z.string().min(32, 'at least 32 characters').max(512).optional(),
  },
  bootstrapTenant: {
    env: 'ORGVAULT_BOOTSTRAP_TENANT',
    doc: 'Name of the tenant ORGVAULT_BOOTSTRAP_KEY creates',
    schema: z.string().min(1).max(200).default('default'),
  },
  apiRateLimit: {
    env: 'ORGVAULT_API_RATE_LIMIT',
    doc: 'API requests per minute allowed for one API key',
    schema: z.coerce.number().int().min(1).default(600),
  },
  metricsToken: {
    env: 'ORGVAULT_METRICS_TOKEN',
    doc: 'When set, GET /metrics requires `Authorization: Bearer <token>` (for a scraper outside a private network)',
    schema: z.string().min(16, 'at least 16 characters').max(512).optional(),
  },
  previewDir: {
    env: 'ORGVAULT_PREVIEW_DIR',
    doc: 'Development only: serve the local preview of the Lightning page (built by npm run preview:build into dist/preview) at /preview',
    schema: z.string().min(1).optional(),
  },
  salesforceOrigins: {
    env: 'ORGVAULT_SALESFORCE_ORIGINS',
    doc: "Comma-separated origins the engine may call as an org besides Salesforce's own https domains (my.salesforce.com, salesforce.com, force.com, …), e.g. a test server `http://127.0.0.1:8080`; `*.` before a host allows its subdomains, `:*` any port",
    schema: z
      .string()
      .default('')
      .transform((v) =>
        v
          .split(',')
          .map((o) => o.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.string().regex(ORIGIN_PATTERN, 'scheme://host[:port], e.g. http://127.0.0.1:8080'))),
  },
  oauthClientId: {
    env: 'ORGVAULT_OAUTH_CLIENT_ID',
    doc: 'Consumer key of the connected app that "Connect organization" logs in with (OAuth 2.0 web-server flow with PKCE); absent = connecting from the page is off',
    schema: z.string().min(1).max(500).optional(),
  },
  oauthClientSecret: {
    env: 'ORGVAULT_OAUTH_CLIENT_SECRET',
    doc: 'Consumer secret of that connected app, when it requires one for the web-server flow',
    schema: z.string().min(1).max(500).optional(),
  },
  oauthCallbackUrl: {
    env: 'ORGVAULT_OAUTH_CALLBACK_URL',
    doc: "The connected app's callback URL: this engine's `/oauth/callback` as the admin's browser reaches it; default http://<host>:<port>/oauth/callback",
    schema: z.url({ protocol: /^https?$/ }).optional(),
  },
  oauthLoginUrl: {
    env: 'ORGVAULT_OAUTH_LOGIN_URL',
    doc: 'Where production orgs log in',
    schema: z.url({ protocol: /^https?$/ }).default('https://login.salesforce.com'),
  },
  oauthSandboxLoginUrl: {
    env: 'ORGVAULT_OAUTH_SANDBOX_LOGIN_URL',
    doc: 'Where sandboxes log in',
    schema: z.url({ protocol: /^https?$/ }).default('https://test.salesforce.com'),
  },
  pubSubEndpoint: {
    env: 'ORGVAULT_PUBSUB_ENDPOINT',
    doc: 'Salesforce Pub/Sub API endpoint (host:port) that continuous data protection subscribes to',
    schema: z.string().min(1).default('api.pubsub.salesforce.com:7443'),
  },
  pubSubInsecureTls: {
    env: 'ORGVAULT_PUBSUB_INSECURE_TLS',
    doc: 'Accept a Pub/Sub server certificate that does not verify (self-signed test servers only); off for real orgs',
    schema: z
      .enum(['true', 'false', '1', '0'])
      .transform((v) => v === 'true' || v === '1')
      .default(false),
  },
  demo: {
    env: 'ORGVAULT_DEMO',
    doc: 'Start the emulator demo org and back it up (npm start only); default on when no org is configured',
    schema: z
      .enum(['true', 'false', '1', '0'])
      .transform((v) => v === 'true' || v === '1')
      .optional(),
  },
  workerHeartbeatSeconds: {
    env: 'ORGVAULT_WORKER_HEARTBEAT_SECONDS',
    doc: 'How often a running backup job proves its worker alive',
    schema: z.coerce.number().min(0.1).max(600).default(10),
  },
  workerStaleSeconds: {
    env: 'ORGVAULT_WORKER_STALE_SECONDS',
    doc: 'A job whose heartbeat is older than this lost its worker and is resumed by another',
    schema: z.coerce.number().min(0.5).max(3600).default(60),
  },
  apiBudgetPauseSeconds: {
    env: 'ORGVAULT_API_BUDGET_PAUSE_SECONDS',
    doc: "At the API budget cap, how long a job waits before asking the org's limits again",
    schema: z.coerce.number().min(0.1).max(86400).default(1800),
  },
  bulkPageRecords: {
    env: 'ORGVAULT_BULK_PAGE_RECORDS',
    doc: 'Records per Bulk API 2.0 result page (maxRecords)',
    schema: z.coerce.number().int().min(100).max(500000).default(50000),
  },
  bulkResultEncoding: {
    env: 'ORGVAULT_BULK_RESULT_ENCODING',
    doc: 'Accept-Encoding for Bulk API 2.0 result pages: gzip saves bandwidth over the internet; identity saves CPU on both ends when the org is near (a local emulator)',
    schema: z.enum(['gzip', 'identity']).default('gzip'),
  },
  restoreBulkThreshold: {
    env: 'ORGVAULT_RESTORE_BULK_THRESHOLD',
    doc: 'From this many records in one restore step on, Bulk API 2.0 ingest; below, sObject collections',
    schema: z.coerce.number().int().min(1).max(10_000_000).default(2000),
  },
  restoreUndelete: {
    env: 'ORGVAULT_RESTORE_UNDELETE',
    doc: "Bring deleted records back from the org's Recycle Bin (same Ids, numbers and audit fields) before re-creating any; false: always re-create under new Ids",
    schema: z
      .enum(['true', 'false', '1', '0'])
      .transform((v) => v === 'true' || v === '1')
      .default(true),
  },
  subscriptionLimits: {
    env: 'ORGVAULT_SUBSCRIPTION_LIMITS',
    doc: "A tenant without a subscription gets the essentials type's limit of 1 backup job a day (hosting OrgVault for others); off (self-hosted), it has no job limit, seat limit or expiry. A subscription set with `orgvault tenant subscription` applies either way",
    schema: z
      .enum(['true', 'false', '1', '0'])
      .transform((v) => v === 'true' || v === '1')
      .default(false),
  },
  demoRecords: {
    env: 'ORGVAULT_DEMO_RECORDS',
    doc: 'About how many records the demo org holds',
    schema: z.coerce.number().int().min(100).max(2_000_000).default(5000),
  },
} as const;

export type SettingKey = keyof typeof SETTINGS;

export const configSchema = z
  .object(
    Object.fromEntries(Object.entries(SETTINGS).map(([k, s]) => [k, s.schema])) as {
      [K in SettingKey]: (typeof SETTINGS)[K]['schema'];
    },
  )
  .strict();

export type Config = z.infer<typeof configSchema>;
