import { generate } from 'selfsigned';

export interface TlsPair {
  cert: string;
  key: string;
}

/**
 * The Pub/Sub API speaks TLS only, so the emulator makes itself a certificate at start
 * (clients connect with rejectUnauthorizedSsl: false). EC keys: quick to make.
 */
export async function selfSignedCertificate(): Promise<TlsPair> {
  const notAfter = new Date(Date.now() + 365 * 86_400_000);
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notAfterDate: notAfter,
    extensions: [
      { name: 'basicConstraints', cA: false },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}
