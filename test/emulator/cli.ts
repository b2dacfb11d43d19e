/**
 * `npm run emulator -- [--port N] [--tls] [--records N] [--seed S] [--org-number N] [--username U] [--password P] [--data-dir D] [--admin] [--log-requests]
 * [--jwt-cert FILE] [--jwt-client-id ID] [--daily-api-requests N] [--cdc-entities Account,Contact]
 * [--pubsub-port N] [--cdc-keepalive-ms N] [--cometd-timeout S]`: starts an emulator and prints
 * one line `EMULATOR_READY {json}` when it is ready; stops on SIGINT / SIGTERM.
 */
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { startEmulator } from './server.js';

function int(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
}

const program = new Command('emulator')
  .description('Salesforce org emulator for OrgVault tests and demos')
  .option('--port <n>', 'port to listen on (0 = any free port)', int, 0)
  .option('--host <host>', 'address to bind', '127.0.0.1')
  .option('--tls', 'serve https with a self-signed certificate (printed as tlsCertificate)', false)
  .option('--records <n>', 'about how many records to generate', int, 1000)
  .option('--seed <s>', 'generator seed', int, 1)
  .option('--org-number <n>', 'the org id is 00D + this number (give emulators that run side by side different ones)', int)
  .option('--username <name>', "the admin user's username (default admin@org<org number>.orgvault-emulator.test)")
  .option('--password <p>', 'password every active user logs in with (SOAP login(), OAuth login page; default "emulator")')
  .option('--data-dir <dir>', 'directory for emulator state (writes emulator.json)')
  .option('--log-requests', 'print one line per request to stderr (method, path, status, time)', false)
  .option('--admin', 'enable the /__emulator admin endpoint (faults, mutations)', false)
  .option('--jwt-cert <file>', 'PEM certificate that JWT bearer assertions are verified with')
  .option('--jwt-client-id <id>', 'consumer key expected as the JWT issuer')
  .option('--daily-api-requests <n>', 'daily API request budget', int)
  .option('--access-token-ttl <ms>', 'lifetime of access tokens in ms', int)
  .option('--cdc-entities <list>', 'objects selected for change events, comma-separated (e.g. Account,Contact)')
  .option('--pubsub-port <n>', 'port of the Pub/Sub API (0 = any free port)', int)
  .option('--cdc-keepalive-ms <n>', 'Pub/Sub keepalive interval in ms (default 270000)', int)
  .option('--cometd-timeout <s>', 'seconds a CometD /meta/connect is held (default 110)', int)
  .parse();

const o = program.opts<{
  port: number;
  host: string;
  tls: boolean;
  records: number;
  seed: number;
  orgNumber?: number;
  username?: string;
  password?: string;
  dataDir?: string;
  admin: boolean;
  logRequests: boolean;
  jwtCert?: string;
  jwtClientId?: string;
  dailyApiRequests?: number;
  accessTokenTtl?: number;
  cdcEntities?: string;
  pubsubPort?: number;
  cdcKeepaliveMs?: number;
  cometdTimeout?: number;
}>();

const emulator = await startEmulator({
  port: o.port,
  host: o.host,
  tls: o.tls,
  records: o.records,
  seed: o.seed,
  orgNumber: o.orgNumber,
  username: o.username,
  password: o.password,
  dataDir: o.dataDir,
  admin: o.admin,
  logRequests: o.logRequests,
  jwtCertificate: o.jwtCert ? readFileSync(o.jwtCert, 'utf8') : undefined,
  jwtClientId: o.jwtClientId,
  dailyApiRequests: o.dailyApiRequests,
  accessTokenTtlMs: o.accessTokenTtl,
  cdc: {
    entities: o.cdcEntities?.split(',').filter(Boolean),
    pubSubPort: o.pubsubPort,
    keepaliveMs: o.cdcKeepaliveMs,
    cometdTimeoutSec: o.cometdTimeout,
  },
});
process.stdout.write(`EMULATOR_READY ${JSON.stringify(emulator.ready)}\n`);
const shutdown = (): void => {
  emulator.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
