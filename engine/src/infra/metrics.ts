import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Every Prometheus metric of the engine, registered once here so that services import and
 * increment them and `GET /metrics` serves them all. Labels never carry record contents or
 * secrets; org labels are OrgVault's own uuids.
 */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry, prefix: 'orgvault_process_' });

export const jobsTotal = new Counter({
  name: 'orgvault_jobs_total',
  help: 'Backup jobs that reached a final state, by kind and status',
  labelNames: ['kind', 'status'] as const,
  registers: [metricsRegistry],
});

export const recordsTotal = new Counter({
  name: 'orgvault_records_total',
  help: 'Records read from organizations, by path (backup, cdp, restore)',
  labelNames: ['path'] as const,
  registers: [metricsRegistry],
});

export const bytesTotal = new Counter({
  name: 'orgvault_bytes_total',
  help: 'Bytes written to the store, by kind (packs, blobs)',
  labelNames: ['kind'] as const,
  registers: [metricsRegistry],
});

export const salesforceApiCallsTotal = new Counter({
  name: 'orgvault_salesforce_api_calls_total',
  help: 'Calls made to Salesforce APIs, by API (rest, bulk, pubsub, cometd, oauth)',
  labelNames: ['api'] as const,
  registers: [metricsRegistry],
});

export const cdpLagSeconds = new Gauge({
  name: 'orgvault_cdp_lag_seconds',
  help: 'Seconds between a change in the org and its storage by continuous data protection',
  labelNames: ['org'] as const,
  registers: [metricsRegistry],
});

export const httpRequestsTotal = new Counter({
  name: 'orgvault_http_requests_total',
  help: 'Engine API requests, by route template, method and status',
  labelNames: ['route', 'method', 'status'] as const,
  registers: [metricsRegistry],
});

export const httpRequestSeconds = new Histogram({
  name: 'orgvault_http_request_seconds',
  help: 'Engine API request duration, by route template',
  labelNames: ['route'] as const,
  buckets: [0.005, 0.02, 0.1, 0.5, 2, 10],
  registers: [metricsRegistry],
});
