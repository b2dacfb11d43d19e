/**
 * A CSV response body written in chunks, gzip-compressed when the client accepts it (as Bulk
 * API 2.0 does for results), through the fault layer so a connection reset can cut it short.
 */
import { createGzip } from 'node:zlib';
import type { Request, Response } from 'express';
import type { Org } from '../data/org.js';
import { drained, FaultyWriter } from '../faults/stream.js';

export interface CsvSink {
  /** Writes text or bytes; false once the connection is gone (stop producing). */
  write(text: string | Buffer): Promise<boolean>;
  end(): Promise<void>;
}

function acceptsGzip(req: Request): boolean {
  return /\bgzip\b/i.test(String(req.headers['accept-encoding'] ?? ''));
}

/** Starts a 200 text/csv answer with the given headers and returns where to write its body. */
export function csvResponse(org: Org, req: Request, res: Response, headers: Record<string, string> = {}): CsvSink {
  const gzip = acceptsGzip(req);
  res.status(200);
  res.setHeader('Content-Type', 'text/csv; charset=UTF-8');
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  if (gzip) res.setHeader('Content-Encoding', 'gzip');
  const writer = new FaultyWriter(res, org.faults, 'csv');
  const alive = (): boolean => writer.ok && !res.destroyed;
  if (!gzip) {
    return {
      write: async (text) => alive() && (await writer.write(text)),
      end: () => (alive() ? writer.end() : Promise.resolve()),
    };
  }
  // Speed over ratio: level 1 keeps compression from limiting the serving rate.
  const gz = createGzip({ level: 1 });
  const pump = (async () => {
    for await (const chunk of gz) {
      if (!(await writer.write(chunk as Buffer))) {
        gz.destroy();
        return;
      }
    }
    if (alive()) await writer.end();
  })().catch(() => undefined);
  return {
    write: async (text) => {
      if (!alive() || gz.destroyed) return false;
      if (!gz.write(text)) await drained(gz);
      return alive() && !gz.destroyed;
    },
    end: async () => {
      if (!gz.destroyed) gz.end();
      await pump;
    },
  };
}
