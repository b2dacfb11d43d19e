import { describe, expect, it } from '@jest/globals';
import { PageMemory } from '../../src/salesforce/page-memory.js';

const settled = async <T>(p: Promise<T>): Promise<boolean> => {
  let done = false;
  void p.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((r) => setImmediate(r));
  return done;
};

describe('PageMemory', () => {
  it('grants while the bytes fit, then in request order as leases are released', async () => {
    const m = new PageMemory(100);
    const a = await m.acquire(60);
    const b = m.acquire(60);
    const c = m.acquire(10);
    // c would fit, but b asked first: no overtaking, so a big page is not starved by small ones.
    expect(await settled(b)).toBe(false);
    expect(await settled(c)).toBe(false);
    a.release();
    const lb = await b;
    await c;
    expect(m.used).toBe(70);
    lb.release();
    lb.release(); // idempotent
    expect(m.used).toBe(10);
  });

  it('a page bigger than the capacity is read alone rather than never', async () => {
    const m = new PageMemory(100);
    const big = await m.acquire(500);
    const next = m.acquire(1);
    expect(await settled(next)).toBe(false);
    big.release();
    expect(await settled(next)).toBe(true);
  });

  it('a lease resized to the page it got holds that much', async () => {
    const m = new PageMemory(100);
    const a = await m.acquire(10);
    const b = m.acquire(95);
    expect(await settled(b)).toBe(false);
    a.resize(80);
    expect(await settled(b)).toBe(false);
    a.resize(5);
    expect(await settled(b)).toBe(true);
    expect(m.used).toBe(100);
  });

  it('an aborted wait leaves the queue and frees the way for the next', async () => {
    const m = new PageMemory(100);
    const a = await m.acquire(90);
    const abort = new AbortController();
    const b = m.acquire(50, abort.signal);
    const c = m.acquire(5);
    abort.abort(new Error('stopped'));
    await expect(b).rejects.toThrow('stopped');
    expect(await settled(c)).toBe(true);
    a.release();
    expect(m.used).toBe(5);
  });
});
