/**
 * How the page writes the monitor's numbers: counts with thousands separators, bytes in binary
 * units, durations and ages in the largest units that matter. One place, so the tile, the job
 * figures and the chart tables agree.
 */
const COUNT = new Intl.NumberFormat('en-US');

export function formatCount(n) {
  return typeof n === 'number' ? COUNT.format(n) : '—';
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

export function formatBytes(n) {
  if (typeof n !== 'number') return '—';
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${BYTE_UNITS[unit]}`;
}

/** 0 s, 42 s, 3 min 5 s, 2 h 10 min, 3 d 4 h: the two largest units. */
export function formatDuration(ms) {
  if (typeof ms !== 'number') return '—';
  const parts = [
    ['d', Math.floor(ms / 86_400_000)],
    ['h', Math.floor(ms / 3_600_000) % 24],
    ['min', Math.floor(ms / 60_000) % 60],
    ['s', Math.round(ms / 1000) % 60],
  ];
  const first = parts.findIndex(([, v]) => v > 0);
  if (first < 0) return '0 s';
  return parts
    .slice(first, first + 2)
    .filter(([, v]) => v > 0)
    .map(([unit, v]) => `${v} ${unit}`)
    .join(' ');
}

/** Percent of the daily API allowance, or nothing while the org has not reported it. */
export function formatShare(apiCalls, share, limit) {
  const calls = formatCount(apiCalls);
  if (typeof share !== 'number') return calls;
  return limit ? `${calls} (${share}% of ${formatCount(limit)} a day)` : `${calls} (${share}% of the daily limit)`;
}

/** +5 / ~7 / −2: inserted, updated, deleted. */
export function formatChanges(f) {
  if (!f) return '—';
  return `+${formatCount(f.inserted)} / ~${formatCount(f.updated)} / −${formatCount(f.deleted)}`;
}
