import { randomUUID } from 'node:crypto';
import type { BusEvent, ChangeEvent } from './event.js';

export const RETENTION_MS = 72 * 3600 * 1000;

export type EventFilter = (event: BusEvent) => boolean;

/**
 * The org's event bus for change events: replay ids in commit order, 72 hours of retention, and a
 * release watermark. Subscribers read after their own cursor up to the watermark, so a stored
 * replay id, a preset and live delivery all go through one path and no event comes twice; the
 * delivery-delay fault only holds the watermark back.
 */
export class EventBus {
  retentionMs = RETENTION_MS;
  /** Fault: hold events this long before subscribers may see them. */
  deliveryDelayMs = 0;

  private events: BusEvent[] = [];
  /**
   * Replay ids start at the wall clock's microseconds, as if every earlier id had been purged: a
   * subscriber holding a replay id from before an emulator restart is told it cannot resume
   * (as after Salesforce's retention) rather than resumed into another history that reuses it.
   */
  private lastIssued = Date.now() * 1000;
  /** Highest replay id no longer retained. */
  private purgedUpTo = this.lastIssued;
  private released = this.lastIssued;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly now: () => number = Date.now) {}

  append(events: ChangeEvent[]): BusEvent[] {
    if (events.length === 0) return [];
    this.purge();
    const storedAt = this.now();
    const stored = events.map((e) => ({ ...e, replayId: ++this.lastIssued, uuid: randomUUID(), storedAt }));
    this.events.push(...stored);
    const upTo = this.lastIssued;
    if (this.deliveryDelayMs > 0) setTimeout(() => this.release(upTo), this.deliveryDelayMs).unref();
    else this.release(upTo);
    return stored;
  }

  /** Called whenever new events become visible. */
  onRelease(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The newest visible replay id (what a LATEST subscription starts after). */
  latestReplayId(): number {
    return Math.max(this.released, this.purgedUpTo);
  }

  /** The cursor an EARLIEST subscription starts after. */
  earliestCursor(): number {
    this.purge();
    return this.purgedUpTo;
  }

  /** A stored replay id can be resumed from only while everything after it is still retained. */
  isResumable(replayId: number): boolean {
    this.purge();
    return Number.isSafeInteger(replayId) && replayId >= this.purgedUpTo && replayId <= this.lastIssued;
  }

  /**
   * Visible events after `cursor` that pass the filter, at most `limit`, and the cursor to read on
   * from (past the events the filter skipped, so a per-entity channel does not scan them again).
   */
  read(cursor: number, filter: EventFilter, limit = Infinity): { events: BusEvent[]; cursor: number } {
    const events: BusEvent[] = [];
    let next = Math.max(cursor, this.purgedUpTo);
    for (let i = this.indexAfter(cursor); i < this.events.length && events.length < limit; i++) {
      const e = this.events[i] as BusEvent;
      if (e.replayId > this.released) break;
      if (filter(e)) events.push(e);
      next = e.replayId;
    }
    if (events.length < limit) next = Math.max(next, this.released);
    return { events, cursor: next };
  }

  /** Test hook: make every retained event older, as if the clock had moved on. */
  age(ms: number): void {
    for (const e of this.events) e.storedAt -= ms;
    this.purge();
  }

  private release(upTo: number): void {
    if (upTo <= this.released) return;
    this.released = upTo;
    for (const l of this.listeners) l();
  }

  private purge(): void {
    const cutoff = this.now() - this.retentionMs;
    let n = 0;
    while (n < this.events.length && (this.events[n] as BusEvent).storedAt < cutoff) n++;
    if (n === 0) return;
    this.purgedUpTo = (this.events[n - 1] as BusEvent).replayId;
    this.events.splice(0, n);
  }

  private indexAfter(cursor: number): number {
    let lo = 0;
    let hi = this.events.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.events[mid] as BusEvent).replayId <= cursor) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
