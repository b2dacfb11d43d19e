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
  export class Connection {
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
