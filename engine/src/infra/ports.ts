import net from 'node:net';
import { OrgVaultError } from '../errors.js';

/** Fails fast, with one actionable line, when a port we are about to bind is taken. */
export async function assertPortFree(port: number, host: string, what: string, setting: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') {
        reject(
          new OrgVaultError('PORT_IN_USE', `${what} cannot start: port ${port} on ${host} is already in use`, {
            actions: [`Stop whatever listens on ${port}, or set ${setting} to a free port.`],
          }),
        );
      } else reject(err);
    });
    server.listen(port, host, () => server.close(() => resolve()));
  });
}
