import type { Org } from '../data/org.js';

export interface LoadRequest {
  /** The object whose records are updated (default Account). */
  object?: string;
  /** How many records are created for the load and updated in turn (default 200). */
  records?: number;
  /** Updates per second. */
  rate: number;
  seconds: number;
}

export interface LoadState {
  running: boolean;
  planned: number;
  sent: number;
  startedAt: number | null;
  finishedAt: number | null;
}

/**
 * A paced stream of single-record updates inside the emulator's own process, so a benchmark's
 * load generator does not compete with the engine it measures. Each update is its own transaction
 * (one change event); the pace is kept against the start time, catching up after a slow tick.
 */
export class PacedLoad {
  state: LoadState = { running: false, planned: 0, sent: 0, startedAt: null, finishedAt: null };
  #timer: NodeJS.Timeout | undefined;

  constructor(private readonly org: Org) {}

  start(req: LoadRequest): LoadState {
    this.stop();
    const object = req.object ?? 'Account';
    const ids = Array.from({ length: req.records ?? 200 }, (_, i) => this.org.create(object, { Name: `load ${i}` }));
    const planned = Math.round(req.rate * req.seconds);
    const state: LoadState = { running: true, planned, sent: 0, startedAt: Date.now(), finishedAt: null };
    this.state = state;
    const tick = () => {
      const due = Math.min(planned, Math.floor(((Date.now() - state.startedAt!) / 1000) * req.rate) + 1);
      for (; state.sent < due; state.sent++) this.org.update(ids[state.sent % ids.length]!, { Description: `load ${state.sent}` });
      if (state.sent >= planned) {
        state.running = false;
        state.finishedAt = Date.now();
        this.#timer = undefined;
      } else this.#timer = setTimeout(tick, 2);
    };
    tick();
    return state;
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.state.running = false;
  }
}
