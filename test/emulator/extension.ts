/**
 * How other parts of the emulator (CDC's CometD and Pub/Sub servers, ...) attach to a running
 * emulator without server.ts knowing them: attach() gets the Express app (its routes are
 * mounted after the core API and before the 404 answer), the HTTP server, the org and the
 * options; ready() adds fields to the EMULATOR_READY line; stop() runs before the server closes.
 */
import type http from 'node:http';
import type express from 'express';
import type { Org } from './data/org.js';
import type { EmulatorOptions } from './options.js';

export interface EmulatorExtensionContext {
  app: express.Express;
  server: http.Server;
  org: Org;
  options: EmulatorOptions;
  /** e.g. http://127.0.0.1:PORT (known: the server listens before extensions attach). */
  instanceUrl: string;
  /**
   * Router mounted at /services/data/:version behind authentication and API metering
   * (res.locals.userId is the caller); add API routes here, e.g. bulk's /jobs.
   */
  api: express.Router;
}

export interface EmulatorExtension {
  name: string;
  attach(ctx: EmulatorExtensionContext): void | Promise<void>;
  ready?(): Record<string, unknown>;
  stop?(): Promise<void>;
}
