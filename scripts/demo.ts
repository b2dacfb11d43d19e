/**
 * The demo `npm start` gives a newcomer with no org of their own: an emulated org (the same
 * emulator the tests use), connected to a demo tenant, and its first full backup run at once.
 * Only this launcher knows the emulator exists; the engine sees an org like any other.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { RunningEngine } from '../engine/src/main.js';
import type { Logger } from '../engine/src/infra/logger.js';
import { startEmulator } from '../test/emulator/server.js';
import { freePort } from '../test/support/ports.js';

export const DEMO_TENANT = 'OrgVault demo';
const DEMO_ADMIN = 'admin@demo.orgvault.local';

interface DemoFile {
  tenantId: string;
  apiKey: string;
}

/** On unless asked otherwise, or once an org outside the demo tenant is connected. */
export async function demoWanted(engine: RunningEngine): Promise<boolean> {
  if (engine.ctx.config.demo !== undefined) return engine.ctx.config.demo;
  const { rows } = await engine.ctx.infra.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM orgs o JOIN tenants t ON t.id = o.tenant_id WHERE o.disconnected_at IS NULL AND t.name <> $1`,
    [DEMO_TENANT],
  );
  return rows[0]!.n === 0;
}

/**
 * Where the demo org will be served, chosen before the engine starts: its settings then allow
 * this one loopback origin besides Salesforce's domains (ORGVAULT_SALESFORCE_ORIGINS), and the
 * engine still does not know it talks to an emulator.
 */
export async function reserveDemoAddress(): Promise<{ port: number; origin: string }> {
  const port = await freePort();
  return { port, origin: `http://127.0.0.1:${port}` };
}

export async function startDemo(
  engine: RunningEngine,
  log: Logger,
  say: (line: string) => void,
  port: number,
): Promise<() => Promise<void>> {
  const { config } = engine.ctx;
  const { services } = engine;
  const emulator = await startEmulator({ records: config.demoRecords, seed: 1, port });
  try {
    const file = path.join(config.dataDir, 'demo.json');
    let demo: DemoFile;
    if (existsSync(file)) demo = JSON.parse(readFileSync(file, 'utf8')) as DemoFile;
    else {
      const tenant = await services.tenants.create(DEMO_TENANT);
      const { key } = await services.keys.create(tenant.id, { name: 'demo' });
      demo = { tenantId: tenant.id, apiKey: key };
      writeFileSync(file, JSON.stringify(demo, null, 2), { mode: 0o600 });
    }
    // The emulator issues a new session each start: connecting again refreshes the stored one.
    const { orgId } = await services.connect(demo.tenantId, {
      kind: 'accessToken',
      instanceUrl: emulator.instanceUrl,
      accessToken: emulator.accessToken,
    });
    const org = await services.orgs.get({ tenantId: demo.tenantId, orgId: null }, orgId);
    say(`Demo org "${org.name}" (${org.sfOrgId}) is served by the org emulator at ${emulator.instanceUrl}`);
    say(`Demo tenant API key (also in ${file}): ${demo.apiKey}`);
    say(`  curl -H 'X-OrgVault-Key: ${demo.apiKey}' -H 'X-OrgVault-Roles: administrator' ${engine.url}/api/v1/orgs`);
    void openPage(engine, demo.apiKey, say).catch((err: Error) => log.warn({ err: err.message }, 'the page preview could not be built'));

    const { last, current } = await services.jobs.latest(org);
    // The first job, or the one a stop interrupted (the engine's worker resumes it from its checkpoints).
    const what = last ? 'Backup' : 'First full backup';
    let followed: string | undefined;
    if (current) {
      say(`Resuming the interrupted ${what.toLowerCase()}: job ${current.id} (${current.status})`);
      followed = current.id;
    } else if (!last) {
      followed = (await services.jobs.start(org, { by: 'demo' })).id;
      say(`First full backup started: job ${followed}`);
    } else {
      say(`Demo org already backed up (last job ${last.status}); see \`npx orgvault jobs\``);
    }
    if (followed)
      void follow(engine, org, followed, what, say).catch((err: Error) => log.warn({ err: err.message }, 'demo progress stopped'));
  } catch (err) {
    await emulator.stop();
    throw err;
  }
  return () => emulator.stop();
}

/**
 * The Lightning page as a newcomer first sees it: its local preview (built once for these sources,
 * then cached) served by the engine, and a link that signs the browser in as the demo's
 * administrator once, without the key in the URL.
 */
async function openPage(engine: RunningEngine, apiKey: string, say: (line: string) => void): Promise<void> {
  const { cachedPreview } = await import('../preview/cache.js');
  engine.servePreview(engine.ctx.config.previewDir ?? (await cachedPreview()));
  const ticket = engine.services.signIn.issue({ key: apiKey, user: DEMO_ADMIN, roles: 'administrator' });
  say(`Open the Lightning page, signed in as the demo administrator (this link works once, for 15 minutes):`);
  say(`  ${engine.url}/preview/#ticket=${ticket}`);
}

async function follow(
  engine: RunningEngine,
  org: Awaited<ReturnType<RunningEngine['services']['orgs']['get']>>,
  jobId: string,
  what: string,
  say: (line: string) => void,
): Promise<void> {
  let shown = '';
  for (;;) {
    const d = await engine.services.jobs.get(org, jobId);
    const line = `  backup ${d.status}: ${d.progress.objectsDone}/${d.progress.objectsTotal} objects, ${d.progress.records} records, ${d.progress.files} files`;
    if (line !== shown) say((shown = line));
    if (!['queued', 'running', 'paused'].includes(d.status)) {
      say(`${what} ${d.status}. Try: npx orgvault jobs · npx orgvault export --object Account --format csv`);
      return;
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
}
