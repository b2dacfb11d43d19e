// The house's rules are lint rules (eslint.config.js); each is proved here by linting a small
// deliberate violation placed, by file name, in the room it would break. Nothing is written to
// disk: ESLint lints the text as if it were an existing module of that room (import/no-cycle needs
// the file to exist) and follows its imports to the real tree.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { ESLint } from 'eslint';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const eslint = new ESLint({ cwd: root });

/** The first module of a room of engine/src, in name order: the text linted stands in for it. */
function moduleIn(room: string): string {
  const dir = path.join(root, 'engine/src', room);
  const name = readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .sort()[0];
  if (!name) throw new Error(`no module in engine/src/${room}`);
  return path.join(dir, name);
}

async function rulesBroken(room: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: moduleIn(room) });
  return (result?.messages ?? []).map((m) => m.ruleId ?? m.message);
}

describe('house rules as lint rules', () => {
  it('accepts a module that keeps them', async () => {
    expect(await rulesBroken('orgs', "import { OrgVaultError } from '../errors.js';\nexport const e = OrgVaultError;\n")).toEqual([]);
  });

  it('import/no-cycle: an import that closes a circle', async () => {
    // services.ts reaches errors.ts through the domains; errors.ts importing services.ts closes it.
    const code = "import { createServices } from './services.js';\nexport const make = createServices;\n";
    // The rule caches the tree's strongly connected components from earlier lints, in which
    // errors.ts and services.ts are apart; this lint asks it to look afresh.
    const fresh = new ESLint({
      cwd: root,
      overrideConfig: {
        files: ['engine/src/**/*.ts'],
        rules: { 'import/no-cycle': ['error', { ignoreExternal: true, disableScc: true }] },
      },
    });
    const [result] = await fresh.lintText(code, { filePath: path.join(root, 'engine/src/errors.ts') });
    expect(result?.messages.map((m) => m.ruleId)).toContain('import/no-cycle');
  });

  it('import/no-restricted-paths: a domain importing api/', async () => {
    const code = "import type { ApiServices } from '../api/services.js';\nexport type S = ApiServices;\n";
    expect(await rulesBroken('cdp', code)).toContain('import/no-restricted-paths');
  });

  it('import/no-restricted-paths: a domain importing cli/', async () => {
    const code = "import { main } from '../cli/main.js';\nexport const m = main;\n";
    expect(await rulesBroken('schedule', code)).toContain('import/no-restricted-paths');
  });

  it('import/no-restricted-paths: a domain importing the composition root', async () => {
    const code = "import { createServices } from '../services.js';\nexport const m = createServices;\n";
    expect(await rulesBroken('backup', code)).toContain('import/no-restricted-paths');
  });

  it('import/no-restricted-paths: the engine importing test/', async () => {
    const code = "import { startEmulator } from '../../../test/emulator/server.js';\nexport const s = startEmulator;\n";
    expect(await rulesBroken('salesforce', code)).toContain('import/no-restricted-paths');
  });

  it('import/no-restricted-paths: store/ importing salesforce/ and back', async () => {
    const toSalesforce = "import { OrgConnection } from '../salesforce/connection.js';\nexport type C = OrgConnection;\n";
    const toStore = "import { Store } from '../store/store.js';\nexport type S = Store;\n";
    expect(await rulesBroken('store', toSalesforce)).toContain('import/no-restricted-paths');
    expect(await rulesBroken('salesforce', toStore)).toContain('import/no-restricted-paths');
  });

  it('import/no-restricted-paths: audit/ importing another domain', async () => {
    const code = "import { OrgRegistry } from '../orgs/registry.js';\nexport type R = OrgRegistry;\n";
    expect(await rulesBroken('audit', code)).toContain('import/no-restricted-paths');
    expect(await rulesBroken('audit', "import { OrgVaultError } from '../errors.js';\nexport const e = OrgVaultError;\n")).toEqual([]);
  });

  it('import/no-restricted-paths: store/ asking retention/', async () => {
    const code = "import { RetentionService } from '../retention/index.js';\nexport type R = RetentionService;\n";
    expect(await rulesBroken('store', code)).toContain('import/no-restricted-paths');
    expect(await rulesBroken('restore', code)).toEqual([]);
  });

  it('no-restricted-imports: api/ or cli/ importing a database client', async () => {
    expect(await rulesBroken('api/routes', "import pg from 'pg';\nexport const p = pg;\n")).toContain('no-restricted-imports');
    const viaInfra = "import { withTransaction } from '../infra/db.js';\nexport const t = withTransaction;\n";
    expect(await rulesBroken('api', viaInfra)).toContain('no-restricted-imports');
  });

  it('no-restricted-syntax: SQL written in api/ or cli/', async () => {
    const code = "export const q = (pool: { query(s: string): unknown }) => pool.query('SELECT id FROM orgs');\n";
    expect(await rulesBroken('api/routes', code)).toContain('no-restricted-syntax');
    const template = 'export const sql = (t: string) => `DELETE FROM ${t}`;\n';
    expect(await rulesBroken('api', template)).toContain('no-restricted-syntax');
  });

  it("no-restricted-syntax: SQL outside a domain's sql.ts, SOQL outside salesforce/", async () => {
    expect(await rulesBroken('backup', "export const q = 'UPDATE backup_jobs SET status = $2 WHERE id = $1';\n")).toContain(
      'no-restricted-syntax',
    );
    const soql = 'export const q = (object: string) => `SELECT Id FROM ${object}`;\n';
    expect(await rulesBroken('schedule', soql)).toContain('no-restricted-syntax');
    const inPlace = async (file: string, code: string) =>
      (await eslint.lintText(code, { filePath: path.join(root, 'engine/src', file) }))[0]!.messages.map((m) => m.ruleId);
    expect(await inPlace('backup/sql.ts', "export const q = 'UPDATE backup_jobs SET status = $2 WHERE id = $1';\n")).toEqual([]);
    expect(await inPlace('salesforce/scope.ts', soql)).toEqual([]);
  });

  it('max-lines: an engine file over 400 lines', async () => {
    const code = Array.from({ length: 401 }, (_, i) => `export const v${i} = ${i};`).join('\n') + '\n';
    expect(await rulesBroken('orgs', code)).toContain('max-lines');
  });

  it('max-lines-per-function: an engine function over 60 lines', async () => {
    const body = Array.from({ length: 60 }, (_, i) => `  total += ${i};`).join('\n');
    const code = `export function long(): number {\n  let total = 0;\n${body}\n  return total;\n}\n`;
    expect(await rulesBroken('orgs', code)).toContain('max-lines-per-function');
  });
});

// import/no-cycle skips `import type`, yet a circle of types still ties two modules together.
// This walks every import (type or not) of engine/src and finds the circles the lint rule cannot.

describe('no import circles in engine/src, types included', () => {
  const src = path.join(root, 'engine/src');
  const files = (readdirSync(src, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).map((f) => path.join(src, f));
  const edges = new Map<string, string[]>();
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const targets = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s+'(\.[^']+)'/g)].map((m) =>
      path.resolve(path.dirname(file), m[1]!.replace(/\.js$/, '.ts')),
    );
    edges.set(
      file,
      targets.filter((t) => files.includes(t)),
    );
  }

  function circles(graph: Map<string, string[]>): string[][] {
    const found: string[][] = [];
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    const visit = (file: string) => {
      state.set(file, 'open');
      stack.push(file);
      for (const next of graph.get(file) ?? []) {
        if (state.get(next) === 'open') found.push(stack.slice(stack.indexOf(next)).map((f) => path.relative(src, f)));
        else if (!state.has(next)) visit(next);
      }
      stack.pop();
      state.set(file, 'done');
    };
    for (const file of graph.keys()) if (!state.has(file)) visit(file);
    return found;
  }

  it('finds a circle when one is there', () => {
    const [a, b] = [path.join(src, 'orgs/a.ts'), path.join(src, 'orgs/b.ts')];
    expect(circles(new Map([...edges, [a, [b]], [b, [a]]]))).toContainEqual(['orgs/a.ts', 'orgs/b.ts']);
  });

  it('has none', () => {
    expect(circles(edges)).toEqual([]);
  });
});
