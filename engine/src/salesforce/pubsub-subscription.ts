import { createRequire } from 'node:module';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import avro, { type AvroField, type AvroType } from 'avro-js';
import type { OrgSession } from './tokens.js';

/** A decoded Pub/Sub event: the payload with unions unwrapped and the header bitmaps as field names. */
export interface PubSubEvent {
  replayId: number;
  payload: Record<string, unknown> & { ChangeEventHeader: Record<string, unknown> };
}

export interface PubSubCallbacks {
  /** Called once per event, strictly in the order the server sent them. */
  onEvent(event: PubSubEvent): void;
  /** Every requested event was delivered: the next request may go out. */
  onRequestFilled(): void;
  /** A keepalive: nothing is outstanding on the server up to `latestReplayId`. Ordered after every event before it. */
  onKeepalive(latestReplayId: number): void;
  onError(err: Error): void;
}

export interface PubSubTarget {
  endpoint: string;
  insecureTls: boolean;
  orgId: string;
  session: OrgSession;
}

interface FetchResponse {
  events?: Array<{ event: { schemaId: string; payload: Buffer }; replayId: Buffer }>;
  latestReplayId: Buffer;
  pendingNumRequested: number;
}

interface PubSubStub extends grpc.Client {
  Subscribe(): grpc.ClientDuplexStream<object, FetchResponse>;
  GetSchema(req: { schemaId: string }, cb: (err: grpc.ServiceError | null, res: { schemaJson: string }) => void): void;
  GetTopic(req: { topicName: string }, cb: (err: grpc.ServiceError | null, res: object) => void): void;
}

/** The proto the Pub/Sub client package ships: Salesforce's own service definition. */
function serviceClass(): new (endpoint: string, creds: grpc.ChannelCredentials) => PubSubStub {
  const main = createRequire(import.meta.url).resolve('salesforce-pubsub-api-client');
  const definition = protoLoader.loadSync(path.join(path.dirname(main), '..', 'pubsub_api.proto'), {});
  const pkg = grpc.loadPackageDefinition(definition) as unknown as { eventbus: { v1: { PubSub: ReturnType<typeof serviceClass> } } };
  return pkg.eventbus.v1.PubSub;
}
let PubSub: ReturnType<typeof serviceClass> | undefined;

const PRESET = { LATEST: 0, CUSTOM: 2 };

function encodeReplayId(id: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(id));
  return b;
}

const decodeReplayId = (b: Buffer): number => Number(b.readBigUInt64BE());

function stub(target: PubSubTarget): PubSubStub {
  PubSub ??= serviceClass();
  const metadata = grpc.credentials.createFromMetadataGenerator((_params, callback) => {
    const meta = new grpc.Metadata();
    meta.add('accesstoken', target.session.accessToken);
    // Only sent as metadata: Salesforce expects the https form.
    meta.add('instanceurl', target.session.instanceUrl.replace(/^http:/, 'https:'));
    meta.add('tenantid', target.orgId);
    callback(null, meta);
  });
  const tls = grpc.credentials.createSsl(null, null, null, { rejectUnauthorized: !target.insecureTls });
  return new PubSub(target.endpoint, grpc.credentials.combineChannelCredentials(tls, metadata));
}

/**
 * One Pub/Sub API subscription, decoded in the order the server sent its events. We speak gRPC
 * ourselves rather than through salesforce-pubsub-api-client because that client handles each
 * FetchResponse in its own async handler: while one waits for a schema, a later response's events
 * (and keepalives) overtake it, so a replay id can be checkpointed before an earlier event is
 * stored. Here every response, event or keepalive, waits for the one before it.
 */
export class PubSubSubscription {
  readonly #client: PubSubStub;
  readonly #schemas = new Map<string, Promise<AvroType>>();
  #call: grpc.ClientDuplexStream<object, FetchResponse> | undefined;
  #chain: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(
    target: PubSubTarget,
    private readonly topic: string,
    private readonly callbacks: PubSubCallbacks,
  ) {
    this.#client = stub(target);
  }

  /** Resolves once the server answers a call: the endpoint is reachable and takes our session. */
  probe(): Promise<void> {
    return new Promise((resolve, reject) => this.#client.GetTopic({ topicName: this.topic }, (err) => (err ? reject(err) : resolve())));
  }

  /** From just after `replayId`, or from the tip when null. */
  subscribe(replayId: number | null, numRequested: number): void {
    const call = this.#client.Subscribe();
    this.#call = call;
    call.on('data', (res: FetchResponse) => {
      this.#chain = this.#chain.then(() => this.#handle(res)).catch((err: Error) => this.#fail(err));
    });
    call.on('error', (err: Error) => this.#fail(err));
    call.on('end', () => this.#fail(new Error('The Pub/Sub stream ended')));
    call.write({
      topicName: this.topic,
      numRequested,
      ...(replayId === null ? { replayPreset: PRESET.LATEST } : { replayPreset: PRESET.CUSTOM, replayId: encodeReplayId(replayId) }),
    });
  }

  request(numRequested: number): void {
    if (!this.#closed) this.#call?.write({ topicName: this.topic, numRequested });
  }

  close(): void {
    this.#closed = true;
    this.#call?.cancel();
    this.#client.close();
  }

  async #handle(res: FetchResponse): Promise<void> {
    if (this.#closed) return;
    if (!res.events || res.events.length === 0) {
      this.callbacks.onKeepalive(decodeReplayId(res.latestReplayId));
      return;
    }
    for (const e of res.events) {
      const type = await this.#schema(e.event.schemaId);
      if (this.#closed) return;
      this.callbacks.onEvent({ replayId: decodeReplayId(e.replayId), payload: decodePayload(type, e.event.payload) });
    }
    if (res.pendingNumRequested === 0) this.callbacks.onRequestFilled();
  }

  #schema(schemaId: string): Promise<AvroType> {
    let s = this.#schemas.get(schemaId);
    if (!s) {
      s = new Promise<AvroType>((resolve, reject) =>
        this.#client.GetSchema({ schemaId }, (err, res) => (err ? reject(err) : resolve(avro.parse(res.schemaJson)))),
      );
      this.#schemas.set(schemaId, s);
      s.catch(() => this.#schemas.delete(schemaId));
    }
    return s;
  }

  #fail(err: Error): void {
    if (this.#closed) return;
    this.close();
    this.callbacks.onError(err);
  }
}

/** Avro unions decode as `{branch: value}`; Salesforce's are all ["null", T]: the value itself, records field by field. */
function plain(type: AvroType, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  const branches = type.getTypes?.();
  if (branches) {
    const branch = branches.find((t) => !isNull(t));
    return branch ? plain(branch, Object.values(v as object)[0]) : null;
  }
  if (isRecord(type)) {
    const rec = v as Record<string, unknown>;
    return Object.fromEntries(type.getFields().map((f) => [f.getName(), plain(f.getType(), rec[f.getName()])]));
  }
  return v;
}

const isNull = (t: AvroType): boolean => t.constructor.name === 'NullType';
const isRecord = (t: AvroType): boolean => t.constructor.name === 'RecordType';

function decodePayload(type: AvroType, buffer: Buffer): PubSubEvent['payload'] {
  const raw = type.fromBuffer(buffer) as Record<string, unknown> & { ChangeEventHeader: Record<string, unknown> };
  const fields = type.getFields();
  const payload: Record<string, unknown> = {};
  for (const f of fields) if (f.getName() !== 'ChangeEventHeader') payload[f.getName()] = plain(f.getType(), raw[f.getName()]);
  const header = { ...raw.ChangeEventHeader };
  for (const key of ['changedFields', 'nulledFields', 'diffFields']) header[key] = bitmapFields(fields, (header[key] as string[]) ?? []);
  return { ...payload, ChangeEventHeader: header };
}

/** Field i of a record: "0x..." hex, bits reversed; "{i}-0x..." names the parts of compound field i. */
function bitmapFields(fields: AvroField[], bitmaps: readonly string[]): string[] {
  const out: string[] = [];
  for (const bitmap of bitmaps) {
    const dash = bitmap.indexOf('-');
    if (dash < 0) {
      out.push(...setBits(bitmap).flatMap((i) => (fields[i] ? [fields[i].getName()] : [])));
      continue;
    }
    const parent = fields[Number(bitmap.slice(0, dash))];
    const record = parent?.getType().getTypes?.().find(isRecord);
    const children = record?.getFields() ?? [];
    for (const i of setBits(bitmap.slice(dash + 1))) if (children[i]) out.push(`${parent!.getName()}.${children[i].getName()}`);
  }
  return out;
}

function setBits(hex: string): number[] {
  const bits = BigInt(hex);
  const out: number[] = [];
  for (let i = 0; 1n << BigInt(i) <= bits; i++) if (bits & (1n << BigInt(i))) out.push(i);
  return out;
}
