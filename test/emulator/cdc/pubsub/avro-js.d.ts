// avro-js ships no types; this is the part the emulator uses.
declare module 'avro-js' {
  interface AvroType {
    toBuffer(value: unknown): Buffer;
    fromBuffer(buffer: Buffer): unknown;
  }
  const avro: { parse(schema: string | object, opts?: object): AvroType };
  export default avro;
}
