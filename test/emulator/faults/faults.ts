/**
 * Faults on demand for tests: error rates per endpoint, added latency, connection resets in
 * the middle of CSV or blob streams, a Bulk job failure flag. Set through the /__emulator admin
 * endpoint (when enabled) or directly on org.faults in-process.
 */
import { Random } from '../data/random.js';

export interface ErrorRule {
  /** Matched against the request path (after `//` collapsing), e.g. "/services/data/v62.0/query". */
  pathPattern: string;
  /** 0..1: share of matching requests that fail. */
  rate: number;
  status: number;
  errorCode: string;
  message: string;
}

export type StreamKind = 'csv' | 'blob';

export interface ResetRule {
  /** Bytes of body written before the connection is destroyed. */
  afterBytes: number;
  /** How many further streams to break (then the rule is spent). */
  times: number;
}

export class Faults {
  errorRules: ErrorRule[] = [];
  /** Extra ms before every API answer. */
  latencyMs = 0;
  readonly resets = new Map<StreamKind, ResetRule>();
  /** When set, Bulk query/ingest jobs end Failed with this message (read by bulk/). */
  bulkJobFailure: string | null = null;
  private readonly rnd = new Random(0x5eed);

  /** The error rule that fires for this request path, if any (rolls the dice). */
  errorFor(path: string): ErrorRule | null {
    for (const rule of this.errorRules) {
      if (!new RegExp(rule.pathPattern).test(path)) continue;
      if (this.rnd.next() < rule.rate) return rule;
    }
    return null;
  }

  /** Takes one reset "shot" for a stream of this kind: bytes to write before the reset, or null. */
  takeReset(kind: StreamKind): number | null {
    const rule = this.resets.get(kind);
    if (!rule || rule.times <= 0) return null;
    rule.times--;
    if (rule.times <= 0) this.resets.delete(kind);
    return rule.afterBytes;
  }

  clear(): void {
    this.errorRules = [];
    this.latencyMs = 0;
    this.resets.clear();
    this.bulkJobFailure = null;
  }
}
