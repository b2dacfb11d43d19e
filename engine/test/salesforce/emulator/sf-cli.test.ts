import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { SfCli } from '../../../../test/emulator/support/sf-cli.js';
import { openConnection } from '../../../src/salesforce/connection.js';
import { queryRecords } from '../../../src/salesforce/rest-query.js';
import { startTestOrg, type TestOrg } from './org.js';
import { EMULATOR_ORIGINS } from '../../../../test/support/origins.js';

describe('an org the sf CLI already knows (emulator)', () => {
  const sf = new SfCli();
  const saved = process.env.SF_USE_GENERIC_UNIX_KEYCHAIN;
  let org: TestOrg;
  beforeAll(async () => {
    org = await startTestOrg();
    const login = await sf.run(['org', 'login', 'access-token', '--instance-url', org.emu.instanceUrl, '--no-prompt', '--alias', 'vault'], {
      SF_ACCESS_TOKEN: await org.accessToken(),
    });
    expect(login.json.status).toBe(0);
    // @salesforce/core finds the CLI's auth files under the home directory (jest's process.env is
    // a copy, so HOME cannot be changed for it).
    jest.spyOn(os, 'homedir').mockReturnValue(sf.home);
    process.env.SF_USE_GENERIC_UNIX_KEYCHAIN = 'true';
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    if (saved === undefined) delete process.env.SF_USE_GENERIC_UNIX_KEYCHAIN;
    else process.env.SF_USE_GENERIC_UNIX_KEYCHAIN = saved;
    await org.stop();
  });

  it('opens by alias and by username, and reads the org', async () => {
    const byAlias = await openConnection({ kind: 'sfCli', usernameOrAlias: 'vault' }, { origins: EMULATOR_ORIGINS });
    expect(byAlias.identity).toMatchObject({ orgId: org.emu.orgId, username: org.emu.username });
    expect(await queryRecords(byAlias, 'SELECT Id FROM Account LIMIT 3')).toHaveLength(3);
    const byUsername = await openConnection({ kind: 'sfCli', usernameOrAlias: org.emu.username }, { origins: EMULATOR_ORIGINS });
    expect(byUsername.identity.userId).toBe(org.emu.userId);
  });

  it('an alias the CLI does not know is ORG_AUTH_FAILED with the login command to run', async () => {
    await expect(openConnection({ kind: 'sfCli', usernameOrAlias: 'nobody' })).rejects.toMatchObject({
      code: 'ORG_AUTH_FAILED',
      actions: [expect.stringContaining('sf org login')],
    });
  });
});
