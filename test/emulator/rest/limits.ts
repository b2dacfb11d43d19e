/**
 * The org's limits as /limits reports them. DailyApiRequests counts every authenticated API
 * call (REST and Bulk alike); Bulk code counts its jobs with use().
 */
export interface Limit {
  Max: number;
  Remaining: number;
}

const DEFAULT_MAX: Record<string, number> = {
  DailyApiRequests: 100000,
  DailyBulkApiBatches: 15000,
  DailyBulkV2QueryJobs: 10000,
  DailyBulkV2QueryFileStorageMB: 976562,
  DailyAsyncApexExecutions: 250000,
  DataStorageMB: 1024,
  FileStorageMB: 2048,
  ConcurrentAsyncGetReportInstances: 200,
  HourlyODataCallout: 10000,
  DailyStreamingApiEvents: 1000000,
  MonthlyPlatformEventsUsageEntitlement: 1000000,
};

export class Limits {
  private readonly max = new Map(Object.entries(DEFAULT_MAX));
  private readonly used = new Map<string, number>();

  constructor(dailyApiRequests?: number) {
    if (dailyApiRequests !== undefined) this.max.set('DailyApiRequests', dailyApiRequests);
  }

  /** Counts n uses of a limit; false (nothing counted) when it would go over. */
  use(name: string, n = 1): boolean {
    const used = this.used.get(name) ?? 0;
    if (used + n > (this.max.get(name) ?? Infinity)) return false;
    this.used.set(name, used + n);
    return true;
  }

  usage(name: string): { used: number; max: number } {
    return { used: this.used.get(name) ?? 0, max: this.max.get(name) ?? 0 };
  }

  setMax(name: string, max: number): void {
    this.max.set(name, max);
  }

  reset(): void {
    this.used.clear();
  }

  report(): Record<string, Limit> {
    const out: Record<string, Limit> = {};
    for (const [name, max] of this.max) out[name] = { Max: max, Remaining: Math.max(0, max - (this.used.get(name) ?? 0)) };
    return out;
  }
}
