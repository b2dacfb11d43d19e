import type { Transaction } from '../data/changes.js';
import { EventBus } from './events/bus.js';
import type { BusEvent } from './events/event.js';
import { buildLayout, type EntityLayout } from './events/layout.js';
import { ChangeEventProducer } from './events/producer.js';
import { buildEventSchema, type EventSchema } from './pubsub/avro.js';
import type { CdcSource, SourceField } from './source.js';

interface LayoutEntry {
  /** The describe it was built from: the same array means unchanged, without comparing. */
  fields: SourceField[];
  key: string;
  layout: EntityLayout;
  schema: EventSchema;
}

export interface CdcOptions {
  /** Changes in one transaction past which GAP_OVERFLOW replaces events (default 100,000). */
  overflowThreshold?: number;
  /** Clock for retention (tests move it). */
  now?: () => number;
}

/**
 * Change Data Capture of one org: transactions in, change events on the bus, schemas for the
 * Pub/Sub API, and the session checks and faults both channels share.
 */
export class ChangeDataCapture {
  readonly bus: EventBus;
  readonly producer: ChangeEventProducer;
  private readonly layouts = new Map<string, LayoutEntry>();
  private readonly schemasById = new Map<string, EventSchema>();
  private readonly revoked = new Set<string>();
  private readonly sessionListeners = new Set<() => void>();
  private selected = new Set<string>();
  private readonly sessionTimer: NodeJS.Timeout;

  constructor(
    readonly source: CdcSource,
    options: CdcOptions = {},
  ) {
    this.bus = new EventBus(options.now);
    this.producer = new ChangeEventProducer((entity) => (this.selected.has(entity) ? this.layout(entity) : undefined));
    if (options.overflowThreshold) this.producer.overflowThreshold = options.overflowThreshold;
    source.onTransaction((tx) => this.onTransaction(tx));
    this.sessionTimer = setInterval(() => this.checkSessions(), 1000);
    this.sessionTimer.unref();
  }

  stop(): void {
    clearInterval(this.sessionTimer);
  }

  onTransaction(tx: Transaction): BusEvent[] {
    this.selected = new Set(this.source.selectedEntities());
    return this.bus.append(this.producer.produce(tx));
  }

  /** The event layout of an object the org knows, rebuilt when its fields change. */
  layout(entity: string): EntityLayout | undefined {
    return this.entry(entity)?.layout;
  }

  schemaFor(entity: string): EventSchema | undefined {
    return this.entry(entity)?.schema;
  }

  schemaById(id: string): EventSchema | undefined {
    return this.schemasById.get(id);
  }

  /** The user of a token that is valid and not expired by the session fault. */
  authenticate(accessToken: string | undefined): { userId: string } | undefined {
    if (!accessToken || this.revoked.has(accessToken)) return undefined;
    return this.source.session(accessToken);
  }

  /** Fault: the sessions behind these tokens (or every token seen so far) expire now. */
  expireSessions(tokens: string[]): void {
    for (const t of tokens) this.revoked.add(t);
    this.checkSessions();
  }

  private checkSessions(): void {
    for (const l of this.sessionListeners) l();
  }

  /**
   * Streams re-check their sessions when the session fault strikes, and every second, so a
   * token expired elsewhere (the org's own session expiry) ends streams too.
   */
  onSessionsExpired(listener: () => void): () => void {
    this.sessionListeners.add(listener);
    return () => this.sessionListeners.delete(listener);
  }

  private entry(entity: string): LayoutEntry | undefined {
    const fields = this.source.fields(entity);
    if (!fields) return undefined;
    let entry = this.layouts.get(entity);
    if (entry?.fields === fields) return entry;
    const key = JSON.stringify(fields);
    if (entry?.key === key) {
      entry.fields = fields;
    } else {
      const layout = buildLayout(entity, fields);
      const schema = buildEventSchema(layout);
      entry = { fields, key, layout, schema };
      this.layouts.set(entity, entry);
      this.schemasById.set(schema.id, schema);
    }
    return entry;
  }
}
