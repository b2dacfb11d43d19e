import type { Request, Response } from 'express';
import { z } from 'zod';
import { JobDetail, type JobDetailOut } from '../schemas.js';
import { OrgVaultError } from '../../errors.js';
import { errorBody } from '../errors.js';
import type { Logger } from '../../infra/logger.js';

const FINAL = new Set(['succeeded', 'partial', 'failed', 'skipped', 'cancelled']);

/**
 * Streams a job's progress as server-sent events by reading it every pollMs and sending it
 * when it changed; ends with `end` once the job is final, or when the client goes away. Polling
 * the job service keeps this independent of how (and in which process) the job runs.
 */
export async function streamJobEvents(
  req: Request,
  res: Response,
  read: () => Promise<JobDetailOut>,
  pollMs: number,
  log: Logger,
): Promise<void> {
  res.status(200).set({ 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
  res.flushHeaders();
  let closed = false;
  req.on('close', () => (closed = true));
  let last = '';
  try {
    while (!closed) {
      const job = await read();
      const data = JSON.stringify(z.encode(JobDetail, job));
      if (data !== last) {
        res.write(`event: progress\ndata: ${data}\n\n`);
        last = data;
      }
      if (FINAL.has(job.status)) {
        res.write('event: end\ndata: {}\n\n');
        break;
      }
      await new Promise((r) => setTimeout(r, pollMs));
    }
  } catch (err) {
    // The status line is sent already: the failure travels as an event the client can show.
    const known = err instanceof OrgVaultError ? err : new OrgVaultError('INTERNAL', 'Internal error');
    if (!(err instanceof OrgVaultError)) log.error({ err }, 'job events failed');
    res.write(`event: error\ndata: ${JSON.stringify(errorBody(known))}\n\n`);
  }
  res.end();
}
