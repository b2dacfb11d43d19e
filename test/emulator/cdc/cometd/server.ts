import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import { channelFilter, entityOfChannel } from '../events/channels.js';
import type { BusEvent } from '../events/event.js';
import type { ChangeDataCapture } from '../hub.js';
import { fayeAdapter, type BayeuxMessage, type FayeAdapter } from './faye.js';
import { cometdData } from './payload.js';

export interface CometdOptions {
  /** How long a /meta/connect is held, in seconds (Salesforce: 110). */
  timeoutSec?: number;
}

interface Subscription {
  channel: string;
  filter: (e: BusEvent) => boolean;
  cursor: number;
}

interface Client {
  token: string;
  subscriptions: Map<string, Subscription>;
  /** Replay starts asked for in /meta/subscribe, taken up once the subscription succeeds. */
  starts: Map<string, number>;
}

/** The part of faye's in-memory engine that queues messages for one client. */
interface FayeEngine {
  _engine: { _messages: Map<string, object[]>; emptyQueue(id: string): void; destroyClient(id: string): void };
  flushConnection(id: string): void;
}

const AUTH_INVALID = '401::Authentication invalid';

function bearer(request: IncomingMessage | null): string | undefined {
  const header = request?.headers.authorization ?? '';
  const m = /^(?:OAuth|Bearer)\s+(.+)$/i.exec(header);
  return m?.[1];
}

/**
 * Salesforce's Streaming API for change events: Bayeux at /cometd/<version> on faye's server,
 * OAuth or Bearer token on every request, the replay extension (-1, -2, a stored id), and
 * Salesforce's error texts. Each client reads the bus after its own cursor, so a replayed
 * subscription and live delivery never repeat an event.
 */
export class CometdServer {
  private readonly adapter: FayeAdapter;
  private readonly clients = new Map<string, Client>();
  private readonly engine: FayeEngine;
  /**
   * Open sockets of the server: faye's client keeps connections that the http server's
   * closeAllConnections does not end, so stop() ends them (it runs when the emulator stops).
   */
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly cdc: ChangeDataCapture,
    options: CometdOptions = {},
  ) {
    this.adapter = fayeAdapter({ mount: '/cometd', timeout: options.timeoutSec ?? 110 });
    this.engine = (this.adapter as unknown as { _server: { _engine: FayeEngine } })._server._engine;
    this.adapter.addExtension({
      incoming: (message, request, callback) => callback(this.incoming(message, request)),
      outgoing: (message, request, callback) => callback(this.outgoing(message, request)),
    });
    this.adapter.on('disconnect', (clientId) => this.clients.delete(clientId));
    cdc.bus.onRelease(() => {
      for (const id of this.clients.keys()) this.pump(id);
    });
    cdc.onSessionsExpired(() => {
      // Held connects return now, so the next one meets the expired session.
      for (const [id, client] of this.clients) if (!this.cdc.authenticate(client.token)) this.engine.flushConnection(id);
    });
  }

  attach(server: Server): void {
    this.adapter.attach(server);
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  /** Fault: the server forgets every client; their next request gets 403::Unknown client. */
  dropClients(): void {
    for (const id of [...this.clients.keys()]) this.engine._engine.destroyClient(id);
  }

  /** Tokens of the connected clients (for the session fault). */
  tokens(): string[] {
    return [...this.clients.values()].map((c) => c.token);
  }

  stop(): void {
    this.adapter.close();
    this.clients.clear();
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  private incoming(message: BayeuxMessage, request: IncomingMessage | null): BayeuxMessage {
    if (request === null) return message;
    if (!message.channel.startsWith('/meta/') || message.channel === '/meta/disconnect') return message;
    const token = bearer(request);
    if (!this.cdc.authenticate(token)) {
      message.error = message.channel === '/meta/handshake' ? '403::Handshake denied' : AUTH_INVALID;
      return message;
    }
    if (message.channel === '/meta/subscribe') this.prepareSubscribe(message);
    return message;
  }

  private prepareSubscribe(message: BayeuxMessage): void {
    const client = this.clients.get(message.clientId ?? '');
    const channel = String(message.subscription ?? '');
    const entity = entityOfChannel(channel);
    if (!client) return;
    if (!entity || (entity !== '*' && !this.cdc.layout(entity))) {
      message.error = `400::The channel you requested to subscribe to does not exist {${channel}}`;
      return;
    }
    const replay = (message.ext?.replay as Record<string, unknown> | undefined)?.[channel];
    const requested = replay === undefined || replay === null ? -1 : Number(replay);
    let start: number;
    if (requested === -1) start = this.cdc.bus.latestReplayId();
    else if (requested === -2) start = this.cdc.bus.earliestCursor();
    else if (this.cdc.bus.isResumable(requested)) start = requested;
    else {
      message.error = `400::The replayId {${String(replay)}} you provided was invalid.  Please provide a valid ID, -2 to replay all events, or -1 to replay only new events.`;
      return;
    }
    client.starts.set(channel, start);
  }

  private outgoing(message: BayeuxMessage, request: IncomingMessage | null): BayeuxMessage {
    if (message.channel === '/meta/handshake') {
      // Salesforce offers long-polling only; faye would otherwise try a WebSocket.
      message.supportedConnectionTypes = ['long-polling'];
      if (message.successful && message.clientId) {
        this.clients.set(message.clientId, { token: bearer(request) ?? '', subscriptions: new Map(), starts: new Map() });
      }
      if (message.error) {
        message.ext = { sfdc: { failureReason: AUTH_INVALID }, replay: true, 'payload.format': true };
        message.advice = { reconnect: 'none' };
      } else {
        message.ext = { replay: true, 'payload.format': true };
      }
      return message;
    }
    if (message.error === AUTH_INVALID) {
      message.advice = { reconnect: 'none' };
    } else if (message.error && /Unknown client/.test(message.error)) {
      message.error = '403::Unknown client';
      message.advice = { reconnect: 'handshake', interval: 0 };
    }
    if (message.channel === '/meta/subscribe' && message.successful && message.clientId) {
      const client = this.clients.get(message.clientId);
      const channel = String(message.subscription);
      const start = client?.starts.get(channel);
      if (client && start !== undefined) {
        client.starts.delete(channel);
        client.subscriptions.set(channel, { channel, filter: channelFilter(entityOfChannel(channel) as string), cursor: start });
        const id = message.clientId;
        // After the subscribe reply is on its way, so the client knows the channel when events come.
        setImmediate(() => this.pump(id));
      }
    }
    if (message.channel === '/meta/unsubscribe' && message.successful && message.clientId) {
      this.clients.get(message.clientId)?.subscriptions.delete(String(message.subscription));
    }
    return message;
  }

  private pump(clientId: string): void {
    const client = this.clients.get(clientId);
    if (!client) return;
    const out: object[] = [];
    for (const sub of client.subscriptions.values()) {
      const read = this.cdc.bus.read(sub.cursor, sub.filter);
      sub.cursor = read.cursor;
      for (const e of read.events) {
        const layout = this.cdc.layout(e.header.entityName);
        const schema = this.cdc.schemaFor(e.header.entityName);
        if (layout && schema) out.push({ channel: sub.channel, data: cometdData(layout, schema.id, e) });
      }
    }
    if (out.length === 0) return;
    const queues = this.engine._engine._messages;
    queues.set(clientId, [...(queues.get(clientId) ?? []), ...out]);
    this.engine._engine.emptyQueue(clientId);
  }
}
