import type { Pool } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';
import type { Store } from '../store/store.js';
import type { Org } from '../orgs/registry.js';
import type { OrgConnection } from '../salesforce/connection.js';
import { OrgVaultError } from '../errors.js';
import { openJob, type Job, type JobStatus } from '../backup/jobs.js';
import { objectStates } from '../backup/state.js';
import { ensureCdcSelected } from '../salesforce/cdc-selection.js';
import { CHANNEL, OrgConsumer, type ConsumerOptions } from './consumer.js';
import { buildRecoveryPoint, type RecoveryPointOptions } from './recovery-point.js';
import {
  enabledOrgs,
  listFallbacks,
  readCheckpoint,
  readSettings,
  recordFallback,
  startCoverage,
  writeSettings,
  type CdpSettings,
  type Checkpoint,
  type Fallback,
  type FallbackReason,
  type Transport,
  type TransportMode,
} from './state.js';

export interface CdpOptions extends ConsumerOptions, RecoveryPointOptions {
  /** How often each process looks for orgs whose channel nobody consumes. */
  scanMs: number;
}

export const DEFAULT_CDP_OPTIONS: Omit<CdpOptions, 'endpoint' | 'insecureTls'> = {
  batchSize: 100,
  maxBuffered: 1000,
  lingerMs: 20,
  streamDownMs: 10 * 60_000,
  retryMs: 2_000,
  keepaliveMarginMs: 1_000,
  pubsubAttempts: 3,
  pubsubProbeMs: 5 * 60_000,
  catchUpWaitMs: 5 * 60_000,
  pollMs: 250,
  scanMs: 10_000,
};

export interface CdpDeps {
  pool: Pool;
  store: Store;
  log: Logger;
  connect(orgId: string): Promise<OrgConnection>;
}

export interface CdpStatus extends CdpSettings {
  checkpoint: Checkpoint | null;
  /** Whether this process consumes the org's channel now. */
  consumingHere: boolean;
  fallbacks: Fallback[];
}

/** What an administrator asks of protection: on or off, for which objects, over which transport. */
export interface ProtectionRequest {
  enabled: boolean;
  objects: string[];
  transport?: TransportMode;
}

/** Protection as the page shows it: the settings, the transport following events now, coverage. */
export interface ProtectionView {
  enabled: boolean;
  objects: string[];
  selection: CdpSettings['selection'];
  transport: TransportMode;
  /** The transport following the change events now, since when and why. */
  activeTransport: { transport: Transport; since: Date | null; reason: string | null };
  /** Since when the change events have covered the objects without a hole. */
  coveredFrom: Date | null;
  /** Everything committed in the org before this time is stored. */
  caughtUpAt: Date | null;
  lastEventAt: Date | null;
  /** Fall-backs to backup jobs, newest first. */
  fallbacks: Fallback[];
  /** Why the stream waits (Salesforce revoked our access: `reconnect_needed`); null while it may run. */
  paused: 'reconnect_needed' | null;
}

/** A recovery point: the objects as they were at `at`, built from the store by a job. */
export interface RecoveryPoint {
  id: string;
  orgId: string;
  objects: string[];
  at: Date;
  status: 'pending' | 'building' | 'ready' | 'failed';
  requestedBy: string | null;
  createdAt: Date;
}

/**
 * Continuous data protection: per-org settings, the consumers of the change event channels (in
 * every engine process, one process per channel at a time), fall-backs to backup jobs, and the
 * recovery points the backup worker builds.
 */
export class Cdp {
  readonly #consumers = new Map<string, OrgConsumer>();
  #timer: NodeJS.Timeout | undefined;
  #scanning: Promise<void> | undefined;
  #stopped = false;

  constructor(
    private readonly deps: CdpDeps,
    private readonly options: CdpOptions,
  ) {}

  async enabled(org: Org): Promise<boolean> {
    return (await readSettings(this.deps.pool, org.id)).enabled;
  }

  async status(org: Org): Promise<CdpStatus> {
    const settings = await readSettings(this.deps.pool, org.id);
    return {
      ...settings,
      checkpoint: (await readCheckpoint(this.deps.pool, org.id, CHANNEL)) ?? null,
      consumingHere: this.#consumers.has(org.id),
      fallbacks: await listFallbacks(this.deps.pool, org.id),
    };
  }

  /**
   * Switches protection on or off for chosen objects. On, it makes sure the org selects them for
   * Change Data Capture; objects it could not select are reported in `selection` (and protected
   * by the daily backups only).
   */
  async configure(org: Org, input: ProtectionRequest, by: string | null): Promise<CdpStatus> {
    let selection: CdpSettings['selection'] = {};
    if (input.enabled) {
      if (input.objects.length === 0) throw new OrgVaultError('VALIDATION_FAILED', 'Choose at least one object to protect');
      const outcome = await ensureCdcSelected(await this.deps.connect(org.id), input.objects);
      selection = Object.fromEntries(
        Object.entries(outcome).map(([o, r]) => [o, r.selected ? { selected: true } : { selected: false, reason: r.reason }]),
      );
      await startCoverage(this.deps.pool, org.id, CHANNEL);
    }
    const before = await readSettings(this.deps.pool, org.id);
    const transport = input.transport ?? before.transport;
    await writeSettings(this.deps.pool, org.id, { ...input, selection, transport }, by);
    // A consumer running on another transport than the org now asks for starts again on it.
    await this.#consumers.get(org.id)?.reconsider();
    await this.scan();
    // Events cover changes from now on; a backup reads those made since the last one (for objects newly protected).
    const added = before.enabled ? input.objects.filter((o) => !before.objects.includes(o)) : input.objects;
    if (input.enabled && added.length > 0) await this.#fallback(org.id, 'protection_on', added, 'protection switched on');
    return this.status(org);
  }

  async getSettings(org: Org): Promise<ProtectionView> {
    return settingsOut(await this.status(org), org);
  }

  async putSettings(org: Org, input: ProtectionRequest, by: string | null): Promise<ProtectionView> {
    return settingsOut(await this.configure(org, input, by), org);
  }

  async createRecoveryPoint(org: Org, request: { objects: string[]; at: Date; by: string | null }): Promise<RecoveryPoint> {
    if (request.at.getTime() > Date.now()) {
      throw new OrgVaultError('VALIDATION_FAILED', 'A recovery point can be built only for a time that has passed');
    }
    const states = await objectStates(this.deps.pool, org.id);
    const missing = request.objects.filter((o) => !states.get(o)?.watermark);
    if (missing.length > 0) {
      throw new OrgVaultError('FULL_BACKUP_REQUIRED', `No finished backup holds ${missing.join(', ')} yet`, {
        actions: ['Run a backup of these objects first.'],
        details: { objects: missing },
      });
    }
    const job = await openJob(this.deps.pool, org.id, {
      trigger: 'recovery',
      objects: request.objects,
      asOf: request.at,
      ...(request.by ? { requestedBy: request.by } : {}),
    });
    return recoveryPointOf(job);
  }

  /** The worker's hand-in for recovery_point jobs. */
  runRecoveryPoint = (job: Job, signal?: AbortSignal): Promise<JobStatus> =>
    buildRecoveryPoint({ pool: this.deps.pool, store: this.deps.store, options: this.options }, job, signal);

  async #fallback(orgId: string, reason: FallbackReason, objects: string[], detail: string, backup = true): Promise<void> {
    let jobId: string | null = null;
    let note = detail;
    if (backup) {
      try {
        jobId = (await openJob(this.deps.pool, orgId, { trigger: 'fallback', objects })).id;
      } catch (err) {
        // A running job already reads the org; the next scheduled one covers the rest.
        note = `${detail}; no backup opened: ${OrgVaultError.is(err) ? err.oneLine() : (err as Error).message}`;
      }
    }
    this.deps.log.warn({ orgId, reason, objects, jobId, detail }, backup ? 'continuous data protection fell back to a backup' : detail);
    await recordFallback(this.deps.pool, orgId, { reason, objects, jobId, detail: note });
  }

  /** Starts consumers for enabled orgs nobody consumes, stops those switched off. */
  scan(): Promise<void> {
    this.#scanning ??= this.#scan().finally(() => (this.#scanning = undefined));
    return this.#scanning;
  }

  async #scan(): Promise<void> {
    if (this.#stopped) return;
    const enabled = new Set(await enabledOrgs(this.deps.pool));
    for (const [orgId, c] of this.#consumers) {
      if (!enabled.has(orgId)) {
        this.#consumers.delete(orgId);
        await c.stop();
      }
    }
    for (const orgId of enabled) {
      if (this.#consumers.has(orgId) || this.#stopped) continue;
      const consumer = new OrgConsumer(
        orgId,
        {
          ...this.deps,
          settings: (id) => readSettings(this.deps.pool, id),
          fallback: (id, reason, objects, detail, backup) => this.#fallback(id, reason, objects, detail, backup),
        },
        this.options,
      );
      if (await consumer.acquire()) this.#consumers.set(orgId, consumer);
    }
  }

  async start(): Promise<void> {
    this.#timer = setInterval(
      () => void this.scan().catch((err: Error) => this.deps.log.warn({ err: err.message }, 'CDP scan failed')),
      this.options.scanMs,
    );
    await this.scan();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#scanning?.catch(() => undefined);
    await Promise.all([...this.#consumers.values()].map((c) => c.stop()));
    this.#consumers.clear();
  }
}

function recoveryPointOf(job: Job): RecoveryPoint {
  const status: Partial<Record<JobStatus, RecoveryPoint['status']>> = {
    queued: 'pending',
    running: 'building',
    paused: 'building',
    succeeded: 'ready',
  };
  return {
    id: job.id,
    orgId: job.orgId,
    objects: job.objects ?? [],
    at: job.asOf!,
    status: status[job.status] ?? 'failed',
    requestedBy: job.requestedBy,
    createdAt: job.createdAt,
  };
}

function settingsOut(s: CdpStatus, org: Pick<Org, 'reconnectNeeded'>): ProtectionView {
  return {
    enabled: s.enabled,
    objects: s.objects,
    selection: s.selection,
    transport: s.transport,
    activeTransport: {
      transport: s.checkpoint?.transport ?? 'pubsub',
      since: s.checkpoint?.transportSince ?? null,
      reason: s.checkpoint?.transportReason ?? null,
    },
    coveredFrom: s.checkpoint?.coveredFrom ?? null,
    caughtUpAt: s.checkpoint?.caughtUpAt ?? null,
    lastEventAt: s.checkpoint?.lastCommitAt ?? null,
    fallbacks: s.fallbacks,
    paused: s.enabled && org.reconnectNeeded ? 'reconnect_needed' : null,
  };
}
