import type { IncomingMessage, Server } from 'node:http';
import { createRequire } from 'node:module';

// faye's server side has no types (jsforce declares only its client), so the part used here.
export interface BayeuxMessage {
  channel: string;
  clientId?: string;
  id?: string;
  subscription?: string | string[];
  successful?: boolean;
  error?: string;
  advice?: Record<string, unknown>;
  ext?: Record<string, unknown>;
  data?: unknown;
  supportedConnectionTypes?: string[];
}

type Pipe = (message: BayeuxMessage, request: IncomingMessage | null, callback: (m: BayeuxMessage) => void) => void;

export interface FayeAdapter {
  attach(server: Server): void;
  addExtension(extension: { incoming?: Pipe; outgoing?: Pipe }): void;
  on(event: 'handshake' | 'disconnect', listener: (clientId: string) => void): void;
  close(): void;
}

const { NodeAdapter } = createRequire(import.meta.url)('faye') as {
  NodeAdapter: new (options: { mount: string; timeout?: number }) => FayeAdapter;
};

export function fayeAdapter(options: { mount: string; timeout?: number }): FayeAdapter {
  return new NodeAdapter(options);
}
