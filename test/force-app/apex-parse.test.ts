// Apex cannot compile here (that needs an org), so every class must at least parse with the
// grammar Salesforce's own tooling uses, and keep the shape the package depends on.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { ApexErrorListener, ApexParserFactory } from '@apexdevtools/apex-parser';

const CLASSES = fileURLToPath(new URL('../../force-app/main/default/classes', import.meta.url));
const files = readdirSync(CLASSES).filter((f) => f.endsWith('.cls'));

class CollectingListener extends ApexErrorListener {
  readonly errors: string[] = [];
  apexSyntaxError(line: number, column: number, msg: string): void {
    this.errors.push(`${line}:${column} ${msg}`);
  }
}

function read(file: string): string {
  return readFileSync(join(CLASSES, file), 'utf8');
}

describe('Apex classes', () => {
  it('are all there, each with its meta file', () => {
    expect(files.sort()).toEqual([
      'OrgVaultController.cls',
      'OrgVaultControllerTest.cls',
      'OrgVaultEngineClient.cls',
      'OrgVaultEngineClientTest.cls',
      'OrgVaultEngineMock.cls',
    ]);
    for (const f of files) expect(readdirSync(CLASSES)).toContain(`${f}-meta.xml`);
  });

  it.each(files)('%s parses without syntax errors', (file) => {
    const listener = new CollectingListener();
    const { parser } = ApexParserFactory.createLexerAndParser(read(file), listener);
    parser.compilationUnit();
    expect(listener.errors).toEqual([]);
  });

  it('the parser does report broken Apex (the check is not vacuous)', () => {
    const listener = new CollectingListener();
    const { parser } = ApexParserFactory.createLexerAndParser('public class Broken { void x( { }', listener);
    parser.compilationUnit();
    expect(listener.errors.length).toBeGreaterThan(0);
  });

  it('the controller is with sharing and each @AuraEnabled method checks a permission before calling out', () => {
    const source = read('OrgVaultController.cls');
    expect(source).toMatch(/public with sharing class OrgVaultController/);
    const methods = [...source.matchAll(/@AuraEnabled\s+public static String (\w+)\(([^)]*)\) \{\n([\s\S]*?)\n {2}\}/g)];
    // The LWC suites mock exactly these (test/lwc/setup.js).
    const mocked = JSON.parse(read('../../../../test/lwc/apex-methods.json')) as string[];
    expect(methods.map((m) => m[1])).toEqual(mocked);
    // Every method goes through call(Need.X, ...), which checks the custom permission first.
    for (const m of methods) expect(m[3]).toMatch(/call\(Need\.(VIEW|OPERATE|RESTORE|ADMINISTER), /);
    // Issue #15: OrgVault_Restore gates restoring; viewers browse history and deleted records and compare.
    const need = Object.fromEntries(methods.map((m) => [m[1], /call\(Need\.(\w+),/.exec(m[3]!)![1]]));
    expect(need).toMatchObject({
      restore: 'RESTORE',
      getRestore: 'RESTORE',
      listRestores: 'RESTORE',
      getRestoreResults: 'RESTORE',
      compare: 'VIEW',
      getRecordHistory: 'VIEW',
      listDeletedRecords: 'VIEW',
    });
    expect(source).toContain("Need.RESTORE => 'OrgVault_Restore'");
    expect(source).toMatch(
      /private static OrgVaultEngineClient client\(Need need\) \{\s+String permission[^;]+;\s+if \(!FeatureManagement\.checkPermission/,
    );
  });

  it('every controller method is exercised by the controller test', () => {
    const controller = read('OrgVaultController.cls');
    const test = read('OrgVaultControllerTest.cls');
    const names = [...controller.matchAll(/@AuraEnabled\s+public static String (\w+)/g)].map((m) => m[1]);
    for (const n of names) expect(test).toContain(`OrgVaultController.${n}(`);
  });

  it('the local preview calls the same routes as the controller (preview/apex-routes.json)', () => {
    const routes = JSON.parse(readFileSync(new URL('../../preview/apex-routes.json', import.meta.url), 'utf8')) as Record<
      string,
      { method: string; path: string }
    >;
    const source = read('OrgVaultController.cls');
    const calls = [...source.matchAll(/public static String (\w+)\([^)]*\) \{[\s\S]*?call\(Need\.\w+, '(\w+)', (.+?), (?:null|[^;]+)\);/g)];
    expect(calls.map((c) => c[1]).sort()).toEqual(Object.keys(routes).sort());
    for (const [, name, verb, pathExpr] of calls) {
      const path = pathExpr!
        .split(' + ')
        .map((part) =>
          part
            .replace(/^orgPath\(orgId\)$/, '/orgs/{orgId}')
            .replace(/^segment\((\w+)\)$/, '{$1}')
            // Query parameters travel beside the path (apex-routes.json "query").
            .replace(/^queryString\(\w+\)$/, '')
            .replace(/^'(.*)'$/, '$1'),
        )
        .join('');
      expect({ name, method: verb, path }).toEqual({ name, method: routes[name!]!.method, path: routes[name!]!.path });
    }
  });

  it('only the client calls out, only through the Named Credential', () => {
    for (const f of files.filter((f) => !f.endsWith('Test.cls') && f !== 'OrgVaultEngineMock.cls')) {
      const source = read(f);
      if (f === 'OrgVaultEngineClient.cls') expect(source).toContain("'callout:OrgVault_Engine/api/v1'");
      else expect(source).not.toMatch(/new Http\(\)|setEndpoint/);
    }
  });
});
