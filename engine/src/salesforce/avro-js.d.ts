// avro-js ships no types; this is the part the engine's Pub/Sub decoder and the emulator use.
declare module 'avro-js' {
  export interface AvroField {
    getName(): string;
    getType(): AvroType;
  }
  export interface AvroType {
    toBuffer(value: unknown): Buffer;
    fromBuffer(buffer: Buffer): unknown;
    /** Records only. */
    getFields(): AvroField[];
    /** Unions only. */
    getTypes?(): AvroType[];
  }
  const avro: { parse(schema: string | object, opts?: object): AvroType };
  export default avro;
}
