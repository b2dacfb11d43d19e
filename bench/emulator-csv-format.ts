/**
 * Emulator micro-benchmark: formatting Bulk 2.0 result CSV for a 20-field object (Account grown
 * to N records) into the bytes a response writes, on one core, no HTTP. Baseline in the same run:
 * copying the same bytes (already formatted) into fresh Buffers chunk by chunk.
 *
 *   nice -n 10 npx tsx bench/emulator-csv-format.ts [records]
 */
import { startEmulator } from '../test/emulator/server.js';
import { executeSoql } from '../test/emulator/soql/execute.js';
import { csvRowWriter } from '../test/emulator/soql/csv.js';

const records = Number(process.argv[2] ?? 1_000_000);
const CHUNK = 1000;
const FIELDS =
  'Id, Name, Type, ParentId, BillingStreet, BillingCity, BillingState, BillingPostalCode, BillingCountry, Phone, Website, ' +
  'Industry, AnnualRevenue, NumberOfEmployees, AccountNumber, Rating, OwnerId, CreatedDate, LastModifiedDate, SystemModstamp';

const emu = await startEmulator({ records: 5000, seed: 1 });
const accounts = emu.org.table('Account');
const seedRows = accounts.size;
accounts.reserve(records - seedRows);
for (let i = seedRows; i < records; i++) {
  const row = accounts.allocate();
  for (const f of accounts.stored) accounts.setStored(row, f.name, accounts.getStored(i % seedRows, f.name));
  accounts.setRowState(row, accounts.rowState(i % seedRows));
}
await emu.stop();
const result = executeSoql(emu.org, `SELECT ${FIELDS} FROM Account`);
accounts.allIds();

const cpuSeconds = (run: () => number): { seconds: number; bytes: number } => {
  const c0 = process.cpuUsage();
  const bytes = run();
  const c = process.cpuUsage(c0);
  return { seconds: (c.user + c.system) / 1e6, bytes };
};
const format = (): number => {
  const write = csvRowWriter(result);
  let bytes = 0;
  for (let i = 0; i < result.totalSize; i += CHUNK) {
    const chunk = write(i, Math.min(result.totalSize, i + CHUNK));
    bytes += (typeof chunk === 'string' ? Buffer.from(chunk) : chunk).length;
  }
  return bytes;
};
format(); // warm up
const formatted = cpuSeconds(format);
const chunks: Buffer[] = [];
{
  const write = csvRowWriter(result);
  for (let i = 0; i < result.totalSize; i += CHUNK) {
    const c = write(i, Math.min(result.totalSize, i + CHUNK));
    chunks.push(typeof c === 'string' ? Buffer.from(c) : Buffer.from(c));
  }
}
const copied = cpuSeconds(() => chunks.reduce((n, c) => n + Buffer.from(c).length, 0));
const rate = (s: number): number => Math.round(result.totalSize / s);
console.log(
  `format ${result.totalSize} rows, ${(formatted.bytes / 1e6).toFixed(0)} MB: ${formatted.seconds.toFixed(2)} CPU s → ${rate(formatted.seconds)} records per CPU second`,
);
console.log(`baseline (copy the same bytes): ${copied.seconds.toFixed(2)} CPU s → ${rate(copied.seconds)} records per CPU second`);
console.log(`ratio format / copy: ${(copied.seconds / formatted.seconds).toFixed(3)}`);
