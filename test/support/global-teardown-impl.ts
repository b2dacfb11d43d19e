import { rmSync } from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  const stops = (globalThis as { __orgvaultStops?: Array<() => Promise<void>> }).__orgvaultStops ?? [];
  for (const stop of stops.reverse()) await stop();
  if (process.env.ORGVAULT_TEST_TMP) rmSync(process.env.ORGVAULT_TEST_TMP, { recursive: true, force: true });
}
