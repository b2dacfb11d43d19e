// The package must be valid source for `sf project deploy`: the sf CLI converts it to metadata
// format (the shape a deploy sends) and we check the types it found.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SF = join(ROOT, 'node_modules/.bin/sf');
const run = promisify(execFile);

describe('sf project convert source', () => {
  let out: string;
  let packageXml: string;

  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'orgvault-mdapi-'));
    const home = await mkdtemp(join(tmpdir(), 'orgvault-sfhome-'));
    const { stdout } = await run(
      SF,
      ['project', 'convert', 'source', '--root-dir', 'force-app', '--output-dir', join(out, 'mdapi'), '--json'],
      {
        cwd: ROOT,
        // A private HOME keeps the CLI from touching the user's sf config; telemetry off, no update checks.
        env: {
          ...process.env,
          HOME: home,
          SF_DISABLE_TELEMETRY: 'true',
          SF_AUTOUPDATE_DISABLE: 'true',
          SF_DISABLE_AUTOUPDATE: 'true',
          SF_HIDE_RELEASE_NOTES: 'true',
        },
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    expect(JSON.parse(stdout).status).toBe(0);
    packageXml = await readFile(join(out, 'mdapi', 'package.xml'), 'utf8');
  }, 180_000);

  afterAll(async () => {
    await rm(out, { recursive: true, force: true });
  });

  function members(type: string): string[] {
    const block = [...packageXml.matchAll(/<types>([\s\S]*?)<\/types>/g)]
      .map((m) => m[1] ?? '')
      .find((b) => b.includes(`<name>${type}</name>`));
    return block ? [...block.matchAll(/<members>([^<]+)<\/members>/g)].map((m) => m[1] ?? '') : [];
  }

  it('produces every metadata type of the package', () => {
    expect(members('ApexClass').sort()).toEqual([
      'OrgVaultController',
      'OrgVaultControllerTest',
      'OrgVaultEngineClient',
      'OrgVaultEngineClientTest',
      'OrgVaultEngineMock',
    ]);
    expect(members('CustomApplication')).toEqual(['OrgVault']);
    expect(members('CustomTab')).toEqual(['OrgVault_Backup']);
    expect(members('FlexiPage')).toEqual(['OrgVault_Backup']);
    expect(members('ExternalCredential')).toEqual(['OrgVault_Engine']);
    expect(members('NamedCredential')).toEqual(['OrgVault_Engine']);
    expect(members('CustomPermission').sort()).toEqual([
      'OrgVault_Administer',
      'OrgVault_Back_Up_Now',
      'OrgVault_Restore',
      'OrgVault_View',
    ]);
    expect(members('PermissionSet').sort()).toEqual([
      'OrgVault_Administrator',
      'OrgVault_Backup_Operator',
      'OrgVault_Restore_Operator',
      'OrgVault_Viewer',
    ]);
    expect(members('PlatformEventChannelMember').sort()).toEqual([
      'ChangeEvents_AccountChangeEvent',
      'ChangeEvents_CaseChangeEvent',
      'ChangeEvents_ContactChangeEvent',
      'ChangeEvents_LeadChangeEvent',
      'ChangeEvents_OpportunityChangeEvent',
    ]);
    expect(members('LightningComponentBundle')).toContain('orgVaultBackupPage');
    expect(packageXml).toMatch(/<version>62\.0<\/version>/);
  });

  it('leaves the jest tests out of the deployable bundles', async () => {
    const bundles = await readdir(join(out, 'mdapi', 'lwc'));
    for (const b of bundles) expect(await readdir(join(out, 'mdapi', 'lwc', b))).not.toContain('__tests__');
  });

  it('the page component is exposed on app pages and the FlexiPage places it', async () => {
    const meta = await readFile(join(out, 'mdapi', 'lwc', 'orgVaultBackupPage', 'orgVaultBackupPage.js-meta.xml'), 'utf8');
    expect(meta).toMatch(/<isExposed>true<\/isExposed>/);
    expect(meta).toMatch(/<target>lightning__AppPage<\/target>/);
    const page = await readFile(join(out, 'mdapi', 'flexipages', 'OrgVault_Backup.flexipage'), 'utf8');
    expect(page).toMatch(/<componentName>orgVaultBackupPage<\/componentName>/);
  });

  it('each permission set reaches the engine principal and the controller', async () => {
    for (const name of ['OrgVault_Administrator', 'OrgVault_Backup_Operator', 'OrgVault_Restore_Operator', 'OrgVault_Viewer']) {
      const xml = await readFile(join(out, 'mdapi', 'permissionsets', `${name}.permissionset`), 'utf8');
      expect(xml).toContain('<externalCredentialPrincipal>OrgVault_Engine-OrgVaultEngine</externalCredentialPrincipal>');
      expect(xml).toContain('<apexClass>OrgVaultController</apexClass>');
      expect(xml).toContain('<name>OrgVault_View</name>');
      expect(xml.includes('<name>OrgVault_Back_Up_Now</name>')).toBe(['OrgVault_Administrator', 'OrgVault_Backup_Operator'].includes(name));
      expect(xml.includes('<name>OrgVault_Restore</name>')).toBe(['OrgVault_Administrator', 'OrgVault_Restore_Operator'].includes(name));
      expect(xml.includes('<name>OrgVault_Administer</name>')).toBe(name === 'OrgVault_Administrator');
    }
    const ext = await readFile(join(out, 'mdapi', 'externalCredentials', 'OrgVault_Engine.externalCredential'), 'utf8');
    expect(ext).toMatch(/<parameterName>X-OrgVault-Key<\/parameterName>\s*<parameterType>AuthHeader<\/parameterType>/);
  });
});
