/** Bytes held for one page from before it is fetched until its reader's caller is done with it. */
export interface PageLease {
  /** The page turned out this big: the lease now holds that much (may pass the capacity). */
  resize(bytes: number): void;
  release(): void;
}

/**
 * Bounds the bytes of result pages that every reader of a process holds at once (pages being
 * fetched, read ahead, or being stored), so that objects read side by side cost about one
 * page-memory's worth rather than objects × 2 pages. Leases are granted in request order; one
 * lease is always granted when nothing else is held, so a page larger than the capacity is read
 * alone rather than never.
 */
export class PageMemory {
  #used = 0;
  #held = 0;
  readonly #waiting: Array<{ bytes: number; grant: () => void }> = [];

  constructor(readonly capacityBytes: number) {}

  /** Bytes held now. */
  get used(): number {
    return this.#used;
  }

  /** Waits until `bytes` fit (or nothing else is held); rejects when `signal` aborts first. */
  acquire(bytes: number, signal?: AbortSignal): Promise<PageLease> {
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    if (this.#waiting.length === 0 && this.#fits(bytes)) return Promise.resolve(this.#lease(bytes));
    return new Promise<PageLease>((resolve, reject) => {
      const waiter = {
        bytes,
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(this.#lease(bytes));
        },
      };
      const onAbort = (): void => {
        const i = this.#waiting.indexOf(waiter);
        if (i >= 0) this.#waiting.splice(i, 1);
        reject(signal!.reason as Error);
        this.#wake();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiting.push(waiter);
    });
  }

  #fits(bytes: number): boolean {
    return this.#held === 0 || this.#used + bytes <= this.capacityBytes;
  }

  #lease(bytes: number): PageLease {
    let size = bytes;
    let open = true;
    this.#used += size;
    this.#held++;
    return {
      resize: (to) => {
        if (!open) return;
        this.#used += to - size;
        size = to;
        this.#wake();
      },
      release: () => {
        if (!open) return;
        open = false;
        this.#used -= size;
        this.#held--;
        this.#wake();
      },
    };
  }

  #wake(): void {
    while (this.#waiting.length > 0 && this.#fits(this.#waiting[0]!.bytes)) this.#waiting.shift()!.grant();
  }
}
