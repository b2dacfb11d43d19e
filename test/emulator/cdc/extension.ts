import express, { Router } from 'express';
import type { EmulatorExtension } from '../extension.js';
import { CometdServer } from './cometd/server.js';
import { ChangeDataCapture } from './hub.js';
import { orgSource } from './org-source.js';
import { PubSubServer } from './pubsub/server.js';
import { PacedLoad, type LoadRequest } from './load.js';

export interface CdcExtensionOptions {
  /** Objects selected for change events at start (PlatformEventChannelMember records are made). */
  entities?: string[];
  /** Changes in one transaction past which GAP_OVERFLOW replaces events (default 100,000). */
  overflowThreshold?: number;
  /** Pub/Sub keepalive interval in ms (default 270,000). */
  keepaliveMs?: number;
  /** How long CometD holds a /meta/connect, in seconds (default 110). */
  cometdTimeoutSec?: number;
  /** Port of the Pub/Sub API (default: any free port). */
  pubSubPort?: number;
}

export interface CdcExtension extends EmulatorExtension {
  /** Set once attached: the change events, their bus and the test hooks' targets. */
  cdc?: ChangeDataCapture;
  cometd?: CometdServer;
  pubsub?: PubSubServer;
  load?: PacedLoad;
}

interface FaultsBody {
  dropStreams?: boolean;
  delayMs?: number;
  /** Pub/Sub GetSchema answers this much later. */
  schemaDelayMs?: number;
  /** true: every session using the streams; or the tokens to expire. */
  expireSessions?: boolean | string[];
}

/**
 * Change Data Capture for the emulator: CometD at /cometd/<version> on the emulator's own port,
 * the Pub/Sub API on a TLS port of its own (EMULATOR_READY's pubSubEndpoint), and with --admin
 * the test hooks under /__emulator/cdc.
 */
export function cdcExtension(options: CdcExtensionOptions = {}): CdcExtension {
  const ext: CdcExtension = {
    name: 'cdc',
    async attach(ctx) {
      const source = orgSource(ctx.org);
      const cdc = new ChangeDataCapture(source, { overflowThreshold: options.overflowThreshold, now: ctx.options.clock });
      for (const entity of options.entities ?? []) source.setSelected(entity, true);
      const cometd = new CometdServer(cdc, { timeoutSec: options.cometdTimeoutSec });
      cometd.attach(ctx.server);
      const pubsub = new PubSubServer(cdc, { host: ctx.options.host, port: options.pubSubPort, keepaliveMs: options.keepaliveMs });
      await pubsub.start();
      Object.assign(ext, { cdc, cometd, pubsub, load: new PacedLoad(ctx.org) });
      if (ctx.options.admin) ctx.app.use('/__emulator/cdc', hooks(ext as Required<CdcExtension>));
    },
    ready: () => ({ pubSubEndpoint: ext.pubsub?.endpoint }),
    async stop() {
      ext.load?.stop();
      await ext.pubsub?.stop();
      ext.cometd?.stop();
      ext.cdc?.stop();
    },
  };
  return ext;
}

/** Test hooks: entity selection, gaps, overflow threshold, retention, stream faults and a paced load. */
function hooks({ cdc, cometd, pubsub, load }: Required<CdcExtension>): Router {
  const router = Router();
  router.use(express.json());
  const state = () => ({
    selected: [...cdc.source.selectedEntities()],
    latestReplayId: cdc.bus.latestReplayId(),
    overflowThreshold: cdc.producer.overflowThreshold,
    gapTransactions: cdc.producer.gapTransactions,
    delayMs: cdc.bus.deliveryDelayMs,
    schemaDelayMs: pubsub.schemaDelayMs,
  });
  router.get('/state', (_req, res) => void res.json(state()));
  /** {select?: ['Account'], deselect?: ['Lead']} */
  router.post('/entities', (req, res) => {
    const b = (req.body ?? {}) as { select?: string[]; deselect?: string[] };
    for (const e of b.select ?? []) cdc.source.setSelected(e, true);
    for (const e of b.deselect ?? []) cdc.source.setSelected(e, false);
    res.json(state());
  });
  /** {transactions: N}: the next N transactions come as GAP_* events. */
  router.post('/gap', (req, res) => {
    cdc.producer.gapTransactions = Number((req.body as { transactions?: number }).transactions ?? 1);
    res.json(state());
  });
  /** {threshold: N}: GAP_OVERFLOW once one transaction passes N changes. */
  router.post('/overflow', (req, res) => {
    cdc.producer.overflowThreshold = Number((req.body as { threshold?: number }).threshold);
    res.json(state());
  });
  /** {ms}: retained events become this much older (past 72 h they are purged). */
  router.post('/age', (req, res) => {
    cdc.bus.age(Number((req.body as { ms?: number }).ms ?? 0));
    res.json(state());
  });
  /** {rate, seconds, object?, records?}: updates `rate` records a second for `seconds`, from inside the emulator. */
  router.post('/load', (req, res) => void res.json(load.start(req.body as LoadRequest)));
  router.get('/load', (_req, res) => void res.json(load.state));
  router.post('/faults', (req, res) => {
    const b = (req.body ?? {}) as FaultsBody;
    if (b.delayMs !== undefined) cdc.bus.deliveryDelayMs = b.delayMs;
    if (b.schemaDelayMs !== undefined) pubsub.schemaDelayMs = b.schemaDelayMs;
    if (b.expireSessions) cdc.expireSessions(Array.isArray(b.expireSessions) ? b.expireSessions : [...cometd.tokens(), ...pubsub.tokens()]);
    if (b.dropStreams) {
      cometd.dropClients();
      pubsub.dropStreams();
    }
    res.json(state());
  });
  return router;
}
