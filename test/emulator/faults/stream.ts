/**
 * Writes a response body that may be cut off: when a connection reset is armed for this kind
 * of stream, the socket is destroyed after the configured number of bytes, as a dropped
 * connection would. REST blob downloads and Bulk CSV results both write through it.
 */
import type { ServerResponse } from 'node:http';
import type { Faults, StreamKind } from './faults.js';

/** Resolves on 'drain' or 'close', whichever comes first, leaving no listener behind. */
export function drained(stream: NodeJS.EventEmitter): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('drain', done).off('close', done);
      resolve();
    };
    stream.on('drain', done).on('close', done);
  });
}

export class FaultyWriter {
  private remaining: number | null;
  private broken = false;

  constructor(
    private readonly res: ServerResponse,
    faults: Faults,
    kind: StreamKind,
  ) {
    this.remaining = faults.takeReset(kind);
  }

  /** True while the connection is intact; write nothing more after false. */
  get ok(): boolean {
    return !this.broken;
  }

  /** Writes a chunk (or the part before the reset point); resolves once the socket can take more. */
  async write(chunk: string | Buffer): Promise<boolean> {
    if (this.broken) return false;
    if (this.remaining !== null) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      if (buf.length >= this.remaining) {
        if (this.remaining > 0) this.res.write(buf.subarray(0, this.remaining));
        this.breakConnection();
        return false;
      }
      this.remaining -= buf.length;
    }
    if (!this.res.write(chunk)) await drained(this.res);
    return !this.res.destroyed;
  }

  async end(chunk?: string | Buffer): Promise<void> {
    if (chunk !== undefined && !(await this.write(chunk))) return;
    if (this.remaining !== null && !this.broken) {
      // The reset point lies beyond the body: break anyway before the end is sent.
      this.breakConnection();
      return;
    }
    if (!this.broken) this.res.end();
  }

  private breakConnection(): void {
    this.broken = true;
    // Let the written bytes reach the client, then drop the connection without a proper end.
    setImmediate(() => this.res.socket?.destroy());
  }
}
