import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { BusEvent } from '../events/event.js';
import { channelFilter, entityOfChannel } from '../events/channels.js';
import type { ChangeDataCapture } from '../hub.js';
import { selfSignedCertificate } from './tls.js';

/** At most this many events may be outstanding on one subscription (Salesforce's limit). */
export const MAX_OUTSTANDING = 100;
const KEEPALIVE_MS = 270_000;

const ERR = {
  auth: 'sfdc.platform.eventbus.grpc.service.auth.error',
  replay: 'sfdc.platform.eventbus.grpc.subscription.fetch.replayid.corrupted',
  topic: 'sfdc.platform.eventbus.grpc.service.topic.not.found',
  publish: 'sfdc.platform.eventbus.grpc.publish.not.allowed',
  schema: 'sfdc.platform.eventbus.grpc.schema.not.found',
};

export interface PubSubOptions {
  host?: string;
  port?: number;
  /** An empty FetchResponse goes out when nothing else did for this long (Salesforce: within 270 s). */
  keepaliveMs?: number;
}

interface FetchRequest {
  topicName?: string;
  replayPreset?: number | string;
  replayId?: Buffer;
  numRequested?: number;
}

type SubscribeCall = grpc.ServerDuplexStream<FetchRequest, object>;

function protoPath(): string {
  const main = createRequire(import.meta.url).resolve('salesforce-pubsub-api-client');
  return path.join(path.dirname(main), '..', 'pubsub_api.proto');
}

export function encodeReplayId(id: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(id));
  return b;
}

function authError(): grpc.ServiceError {
  return status(
    grpc.status.UNAUTHENTICATED,
    ERR.auth,
    'An authentication exception occurred. Provide valid authentication via metadata headers.',
  );
}

function status(code: grpc.status, errorCode: string, message: string): grpc.ServiceError {
  const metadata = new grpc.Metadata();
  const rpcId = randomUUID();
  metadata.set('error-code', errorCode);
  metadata.set('rpc-id', rpcId);
  const details = `${message} rpcId: ${rpcId}`;
  return Object.assign(new Error(details), { code, details, metadata });
}

/**
 * The Pub/Sub API (eventbus.v1.PubSub over gRPC with TLS) for change event topics: Subscribe with
 * presets, stored replay ids and flow control, GetTopic, GetSchema, and Publish (refused, as for
 * any change event topic).
 */
export class PubSubServer {
  private server?: grpc.Server;
  private readonly streams = new Set<{ call: SubscribeCall; token: string; check: () => void }>();
  private readonly payloads = new WeakMap<BusEvent, Buffer>();
  private port = 0;
  /** Fault: GetSchema answers this much later (a client then meets later responses while it waits). */
  schemaDelayMs = 0;

  constructor(
    private readonly cdc: ChangeDataCapture,
    private readonly options: PubSubOptions = {},
  ) {}

  /** host:port for the client's pubSubEndpoint. */
  get endpoint(): string {
    return `localhost:${this.port}`;
  }

  async start(): Promise<string> {
    const definition = protoLoader.loadSync(protoPath(), {});
    const pkg = grpc.loadPackageDefinition(definition) as unknown as {
      eventbus: { v1: { PubSub: { service: grpc.ServiceDefinition } } };
    };
    const server = new grpc.Server();
    const unimplemented = (_call: unknown, callback: grpc.sendUnaryData<object>) =>
      callback({ code: grpc.status.UNIMPLEMENTED, details: 'Not supported by the emulator' });
    server.addService(pkg.eventbus.v1.PubSub.service, {
      Subscribe: (call: SubscribeCall) => this.subscribe(call),
      GetTopic: (call: grpc.ServerUnaryCall<{ topicName: string }, object>, cb: grpc.sendUnaryData<object>) =>
        this.unary(call, cb, () => this.getTopic(call.request.topicName)),
      GetSchema: (call: grpc.ServerUnaryCall<{ schemaId: string }, object>, cb: grpc.sendUnaryData<object>) =>
        setTimeout(() => this.unary(call, cb, () => this.getSchema(call.request.schemaId)), this.schemaDelayMs),
      Publish: (call: grpc.ServerUnaryCall<{ topicName: string }, object>, cb: grpc.sendUnaryData<object>) =>
        this.unary(call, cb, () => this.publish(call.request.topicName)),
      PublishStream: (call: grpc.ServerDuplexStream<object, object>) =>
        call.emit('error', status(grpc.status.UNIMPLEMENTED, ERR.publish, 'PublishStream is not supported.')),
      ManagedSubscribe: (call: grpc.ServerDuplexStream<object, object>) =>
        call.emit('error', status(grpc.status.UNIMPLEMENTED, ERR.topic, 'Managed subscriptions are not supported.')),
      unimplemented,
    });
    const { cert, key } = await selfSignedCertificate();
    const credentials = grpc.ServerCredentials.createSsl(null, [{ cert_chain: Buffer.from(cert), private_key: Buffer.from(key) }], false);
    this.port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`${this.options.host ?? '127.0.0.1'}:${this.options.port ?? 0}`, credentials, (err, port) =>
        err ? reject(err) : resolve(port),
      ),
    );
    this.server = server;
    this.cdc.onSessionsExpired(() => {
      for (const s of this.streams) s.check();
    });
    return this.endpoint;
  }

  /** Tokens of the open streams (for the session fault). */
  tokens(): string[] {
    return [...this.streams].map((s) => s.token);
  }

  /** Fault: every open Subscribe stream ends as a dropped connection does. */
  dropStreams(): void {
    for (const { call } of this.streams) {
      call.emit('error', status(grpc.status.UNAVAILABLE, 'sfdc.platform.eventbus.grpc.service.unavailable', 'RST_STREAM closed stream.'));
    }
    this.streams.clear();
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const { call } of this.streams) call.end();
    this.streams.clear();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, 1000);
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private authorize(metadata: grpc.Metadata): string | grpc.ServiceError {
    const token = metadata.get('accesstoken')[0]?.toString();
    const tenant = metadata.get('tenantid')[0]?.toString() ?? '';
    const instanceUrl = metadata.get('instanceurl')[0]?.toString() ?? '';
    const orgId = this.cdc.source.orgId;
    const tenantOk = tenant.length >= 15 && orgId.slice(0, 15) === tenant.slice(0, 15);
    if (!this.cdc.authenticate(token) || !tenantOk || !instanceUrl) {
      return authError();
    }
    return token as string;
  }

  private unary<T>(
    call: grpc.ServerUnaryCall<unknown, unknown>,
    callback: grpc.sendUnaryData<object>,
    answer: () => T | grpc.ServiceError,
  ): void {
    const auth = this.authorize(call.metadata);
    if (typeof auth !== 'string') return callback(auth);
    const result = answer();
    if (result instanceof Error) callback(result);
    else callback(null, { ...result, rpcId: randomUUID() });
  }

  private getTopic(topicName: string): object | grpc.ServiceError {
    const entity = entityOfChannel(topicName);
    if (!entity) return status(grpc.status.NOT_FOUND, ERR.topic, `Topic ${topicName} not found.`);
    const schema = entity === '*' ? undefined : this.cdc.schemaFor(entity);
    if (entity !== '*' && !schema) return status(grpc.status.NOT_FOUND, ERR.topic, `Topic ${topicName} not found.`);
    return { topicName, tenantGuid: this.cdc.source.orgId, canPublish: false, canSubscribe: true, schemaId: schema?.id ?? '' };
  }

  private getSchema(schemaId: string): object | grpc.ServiceError {
    const schema = this.cdc.schemaById(schemaId);
    if (!schema) return status(grpc.status.NOT_FOUND, ERR.schema, `Schema ${schemaId} not found.`);
    return { schemaJson: schema.json, schemaId };
  }

  private publish(topicName: string): grpc.ServiceError {
    return status(
      grpc.status.PERMISSION_DENIED,
      ERR.publish,
      `Publishing to ${topicName} is not allowed: change events are published by the platform.`,
    );
  }

  private subscribe(call: SubscribeCall): void {
    const fail = (err: grpc.ServiceError) => {
      this.streams.delete(stream);
      clearInterval(keepalive);
      unlisten?.();
      call.emit('error', err);
    };
    const stream = {
      call,
      token: '',
      check: () => {
        if (!this.cdc.authenticate(token)) fail(authError());
      },
    };
    const auth = this.authorize(call.metadata);
    if (typeof auth !== 'string') {
      call.emit('error', auth);
      return;
    }
    const token = auth;
    stream.token = token;
    let cursor: number | undefined;
    let filter: (e: BusEvent) => boolean = () => false;
    let pending = 0;
    let lastSent = Date.now();
    let unlisten: (() => void) | undefined;

    const pump = () => {
      if (cursor === undefined) return;
      while (pending > 0) {
        const read = this.cdc.bus.read(cursor, filter, pending);
        cursor = read.cursor;
        if (read.events.length === 0) break;
        pending -= read.events.length;
        this.send(call, read.events, cursor, pending);
        lastSent = Date.now();
      }
    };
    const keepaliveMs = this.options.keepaliveMs ?? KEEPALIVE_MS;
    const keepalive = setInterval(
      () => {
        if (cursor === undefined || Date.now() - lastSent < keepaliveMs) return;
        call.write({ latestReplayId: encodeReplayId(cursor), rpcId: randomUUID(), pendingNumRequested: pending });
        lastSent = Date.now();
      },
      Math.max(10, Math.floor(keepaliveMs / 2)),
    );
    keepalive.unref();

    call.on('data', (req: FetchRequest) => {
      if (cursor === undefined) {
        const start = this.startCursor(req);
        if (typeof start !== 'number') return fail(start);
        cursor = start;
        filter = channelFilter(entityOfChannel(req.topicName ?? '') as string);
        this.streams.add(stream);
        unlisten = this.cdc.bus.onRelease(pump);
      }
      pending = Math.min(MAX_OUTSTANDING, pending + Math.max(0, req.numRequested ?? 0));
      pump();
    });
    const close = () => {
      this.streams.delete(stream);
      clearInterval(keepalive);
      unlisten?.();
    };
    call.on('end', () => {
      close();
      call.end();
    });
    call.on('cancelled', close);
    call.on('error', close);
  }

  /** Where a new subscription starts, or the error Salesforce answers. */
  private startCursor(req: FetchRequest): number | grpc.ServiceError {
    const entity = entityOfChannel(req.topicName ?? '');
    if (!entity || (entity !== '*' && !this.cdc.layout(entity))) {
      return status(grpc.status.NOT_FOUND, ERR.topic, `Topic ${req.topicName ?? ''} not found.`);
    }
    const preset = req.replayPreset ?? 0;
    if (preset === 1 || preset === 'EARLIEST') return this.cdc.bus.earliestCursor();
    if (preset === 2 || preset === 'CUSTOM') {
      const raw = req.replayId;
      const id = raw && raw.length === 8 ? Number(raw.readBigUInt64BE()) : NaN;
      if (!this.cdc.bus.isResumable(id)) {
        return status(grpc.status.INVALID_ARGUMENT, ERR.replay, 'The Replay ID validation failed. Ensure that the Replay ID is valid.');
      }
      return id;
    }
    return this.cdc.bus.latestReplayId();
  }

  private send(call: SubscribeCall, events: BusEvent[], cursor: number, pending: number): void {
    call.write({
      events: events.map((e) => {
        const schema = this.cdc.schemaFor(e.header.entityName);
        let payload = this.payloads.get(e);
        if (!payload && schema) {
          payload = schema.encode(e);
          this.payloads.set(e, payload);
        }
        return { event: { id: e.uuid, schemaId: schema?.id ?? '', payload }, replayId: encodeReplayId(e.replayId) };
      }),
      latestReplayId: encodeReplayId(cursor),
      rpcId: randomUUID(),
      pendingNumRequested: pending,
    });
  }
}
