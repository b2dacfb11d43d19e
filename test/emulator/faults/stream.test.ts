import { EventEmitter } from 'node:events';
import { describe, expect, it } from '@jest/globals';
import { drained } from './stream.js';

describe('waiting for a stream to drain', () => {
  it('resolves on drain or close and leaves no listener behind, however often it waits', async () => {
    const stream = new EventEmitter();
    for (let i = 0; i < 50; i++) {
      const wait = drained(stream);
      stream.emit(i % 2 ? 'drain' : 'close');
      await wait;
    }
    expect(stream.listenerCount('drain')).toBe(0);
    expect(stream.listenerCount('close')).toBe(0);
  });
});
