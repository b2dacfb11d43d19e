/**
 * The few calls of jsforce 1.x (installed as `jsforce1`, the client SFDMU carries) that the
 * emulator's tests make; the package ships no types.
 */
declare module 'jsforce1' {
  interface ConnectionOptions {
    instanceUrl?: string;
    accessToken?: string;
    loginUrl?: string;
    version?: string;
  }
  interface QueryResult<T> {
    totalSize: number;
    done: boolean;
    records: T[];
  }
  interface BulkResult {
    id: string | null;
    success: boolean;
    errors: string[];
  }
  interface Bulk {
    pollInterval: number;
    pollTimeout: number;
    load(
      type: string,
      operation: string,
      options: Record<string, unknown>,
      input: Array<Record<string, unknown>> | string,
    ): Promise<BulkResult[]>;
    load(type: string, operation: string, input: Array<Record<string, unknown>> | string): Promise<BulkResult[]>;
    query(soql: string): NodeJS.EventEmitter;
  }
  export class Connection {
    bulk: Bulk;
    constructor(options: ConnectionOptions);
    accessToken: string;
    soap: { getUserInfo(): Promise<Record<string, unknown>> };
    login(username: string, password: string): Promise<{ id: string; organizationId: string; url: string }>;
    logout(): Promise<void>;
    queryAll<T = Record<string, unknown>>(soql: string): Promise<QueryResult<T>>;
    identity(): Promise<{ user_id: string; organization_id: string; username: string; id: string }>;
    query<T = Record<string, unknown>>(soql: string): Promise<QueryResult<T>>;
    request<T = unknown>(url: string): Promise<T>;
  }
  const jsforce: { Connection: typeof Connection };
  export default jsforce;
}
