/** What commands hold: the engine's API routes, by operation id (client.ts says which build answers). */
export interface CallInput {
  /** The tenant the call acts in (the org's); omitted for the operator routes. */
  tenantId?: string;
  params?: Record<string, string>;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  /** Who asks, where it matters (an erasure's four eyes); default "cli". */
  user?: string;
}

export interface EngineClient {
  /** 'api': a running engine answers; 'local': this process runs the services. */
  readonly via: 'api' | 'local';
  /** One route of /api/v1 by its operationId (openapi.json); its answer as the API sends it. */
  call<T>(operationId: string, input?: CallInput): Promise<T>;
  /** The per-record results of a restore run (CSV). */
  restoreResults(tenantId: string, orgId: string, runId: string): Promise<string>;
  /**
   * Present when nothing else runs the work: starts this process's workers (backups, or one restore
   * run), which `--wait` then follows. A running engine's own workers need no help.
   */
  readonly runHere?: { backups(): Promise<void>; restore(runId: string): Promise<void> };
  close(): Promise<void>;
}
