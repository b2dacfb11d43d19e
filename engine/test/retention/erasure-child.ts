/**
 * An erasure's approval in a process of its own that kills itself (SIGKILL, no cleanup) at a
 * chosen step, for erasure.test.ts: argv = schema, container, key file, pack bytes, tenant id,
 * org id, request id, phase, step.
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { createPool } from '../../src/infra/db.js';
import { Store } from '../../src/store/store.js';
import { localFileKek } from '../../src/store/keys/kek.js';
import { RetentionService } from '../../src/retention/index.js';

const [schema, containerName, keyFile, packBytes, tenantId, orgId, requestId, phase, step] = process.argv.slice(2) as string[] & {
  length: 9;
};
const pool = createPool(process.env.TEST_DATABASE_URL!, schema!, 4);
const container = BlobServiceClient.fromConnectionString(process.env.TEST_AZURE_STORAGE_CONNECTION_STRING!).getContainerClient(
  containerName!,
);
const store = new Store({ pool, container, kek: localFileKek(keyFile!), packBytes: Number(packBytes) });
const retention = new RetentionService(pool, store);
await retention.approveErasure({ id: orgId!, tenantId: tenantId!, name: 'Test Org' }, requestId!, 'bob@example.com', (s) => {
  if (s.phase === phase && (s.done ?? 0) >= Number(step)) process.kill(process.pid, 'SIGKILL');
});
// Reaching here means the step never came: the test expects a kill.
process.exit(3);
