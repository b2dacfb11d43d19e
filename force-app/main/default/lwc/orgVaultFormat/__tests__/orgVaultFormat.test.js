import { formatBytes, formatChanges, formatCount, formatDuration, formatShare } from 'c/orgVaultFormat';

describe('c/orgVaultFormat', () => {
  it('writes counts, bytes, durations, API shares and changes the same way everywhere', () => {
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(formatCount(null)).toBe('—');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(5 * 1024 * 1024 + 100)).toBe('5.0 MiB');
    expect(formatDuration(0)).toBe('0 s');
    expect(formatDuration(42_000)).toBe('42 s');
    expect(formatDuration(185_000)).toBe('3 min 5 s');
    expect(formatDuration(2 * 3_600_000 + 10 * 60_000 + 5000)).toBe('2 h 10 min');
    expect(formatDuration(3 * 86_400_000)).toBe('3 d');
    expect(formatDuration(undefined)).toBe('—');
    expect(formatShare(30, 0.2, 15000)).toBe('30 (0.2% of 15,000 a day)');
    expect(formatShare(30, null, null)).toBe('30');
    expect(formatChanges({ inserted: 5, updated: 1200, deleted: 2 })).toBe('+5 / ~1,200 / −2');
  });
});
