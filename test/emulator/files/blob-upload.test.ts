import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import jsforce from 'jsforce';
import { startEmulator, type EmulatorHandle } from '../server.js';

const MB = 1024 * 1024;

describe('file uploads and links as Salesforce limits them', () => {
  let emu: EmulatorHandle;
  let conn: jsforce.Connection;
  let base: string;

  beforeAll(async () => {
    emu = await startEmulator({ records: 1000, seed: 5 });
    conn = new jsforce.Connection({ instanceUrl: emu.instanceUrl, accessToken: emu.accessToken, version: '62.0' });
    base = `${emu.instanceUrl}/services/data/v62.0`;
  });
  afterAll(async () => {
    await emu.stop();
  });

  const post = (path: string, body: string, contentType: string): Promise<Response> =>
    fetch(`${base}/${path}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${emu.accessToken}`, 'Content-Type': contentType },
      body,
    });

  it('refuses a JSON body over 50 MB (a base64 file over 37.5 MB) as Salesforce does', async () => {
    const file = Buffer.alloc(38 * MB, 7);
    const res = await post(
      'sobjects/ContentVersion',
      JSON.stringify({ PathOnClient: 'big.bin', VersionData: file.toString('base64') }),
      'application/json',
    );
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual([
      { errorCode: 'JSON_PARSER_ERROR', message: 'Maximum size of request reached. Maximum size of request is 52428800 bytes.' },
    ]);
  });

  it('takes the same file as a multipart insert, byte for byte, with the owner and record links', async () => {
    const file = Buffer.alloc(38 * MB);
    for (let i = 0; i < file.length; i += 4096) file.writeUInt32BE((i * 2654435761) >>> 0, i);
    const account = (await conn.query<{ Id: string }>('SELECT Id FROM Account LIMIT 1')).records[0]!.Id;
    const form = new FormData();
    form.append(
      'entity_content',
      new Blob([JSON.stringify({ PathOnClient: 'big.bin', Title: 'Big', FirstPublishLocationId: account })], { type: 'application/json' }),
    );
    form.append('VersionData', new Blob([file], { type: 'application/octet-stream' }), 'big.bin');
    const res = await fetch(`${base}/sobjects/ContentVersion`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${emu.accessToken}` },
      body: form,
    });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    const version = (
      await conn.query<{ ContentDocumentId: string; ContentSize: number; Checksum: string }>(
        `SELECT ContentDocumentId, ContentSize, Checksum FROM ContentVersion WHERE Id = '${id}'`,
      )
    ).records[0]!;
    expect(version.ContentSize).toBe(file.length);
    expect(version.Checksum).toBe(createHash('md5').update(file).digest('hex'));
    const download = await fetch(`${base}/sobjects/ContentVersion/${id}/VersionData`, {
      headers: { Authorization: `Bearer ${emu.accessToken}` },
    });
    expect(Buffer.from(await download.arrayBuffer()).equals(file)).toBe(true);

    const links = await conn.query<{ LinkedEntityId: string; ShareType: string }>(
      `SELECT LinkedEntityId, ShareType FROM ContentDocumentLink WHERE ContentDocumentId IN ('${version.ContentDocumentId}')`,
    );
    expect(links.records.map((l) => l.LinkedEntityId).sort()).toEqual([account, emu.userId].sort());
    await expect(
      conn
        .sobject('ContentDocumentLink')
        .create({ ContentDocumentId: version.ContentDocumentId, LinkedEntityId: emu.userId, ShareType: 'V' }),
    ).rejects.toMatchObject({ errorCode: 'DUPLICATE_VALUE' });
  });

  it('refuses ContentDocumentLink queries without an id filter, and requests over 16,384 bytes of URI', async () => {
    await expect(conn.query('SELECT Id FROM ContentDocumentLink')).rejects.toMatchObject({ errorCode: 'MALFORMED_QUERY' });
    const ids = Array.from({ length: 800 }, (_, i) => `'069000000000${String(i).padStart(3, '0')}AAA'`).join(',');
    const res = await fetch(
      `${base}/query?q=${encodeURIComponent(`SELECT Id FROM ContentDocumentLink WHERE ContentDocumentId IN (${ids})`)}`,
      {
        headers: { Authorization: `Bearer ${emu.accessToken}` },
      },
    );
    expect(res.status).toBe(431);
  });
});
