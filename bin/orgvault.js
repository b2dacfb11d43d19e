#!/usr/bin/env node
// Compiled JavaScript when it can be built (bin/compiled.js); else the TypeScript sources through tsx, like `npm start`.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compiledCli } from './compiled.js';

const entry = await compiledCli(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..'));
if (entry) await import(pathToFileURL(entry).href);
else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../engine/src/cli/main.ts');
}
