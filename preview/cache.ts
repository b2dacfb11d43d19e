/**
 * The page's preview, built once for the sources it is built from and kept under
 * node_modules/.cache (where build tools keep what a reinstall may drop): `npm start` and the test
 * run that need it find it there, and only a change to the components, the preview's own sources
 * or the installed packages costs a new build (about 40 s of CPU). Builders that race build apart
 * and the first rename wins.
 */
import { createHash } from 'node:crypto';
import { access, readFile, readdir, rename, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPreview } from './build.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CACHE = join(ROOT, 'node_modules/.cache/orgvault-preview');
const INPUTS = ['force-app/main/default/lwc', 'force-app/main/default/staticresources', 'preview', 'package-lock.json'];

export async function cachedPreview(): Promise<string> {
  const name = await inputsDigest();
  const dir = join(CACHE, name);
  if (await exists(join(dir, 'index.html'))) return dir;
  const own = await buildPreview(join(CACHE, `.${name}-${process.pid}-${Date.now()}`));
  try {
    await rename(own, dir);
  } catch (e) {
    // Another builder's landed first: use it and drop ours.
    if (!(await exists(join(dir, 'index.html')))) throw e;
    await rm(own, { recursive: true, force: true });
    return dir;
  }
  // Builds of sources as they were before are of no more use to this checkout.
  for (const other of await readdir(CACHE))
    if (other !== name && !other.startsWith('.')) await rm(join(CACHE, other), { recursive: true, force: true });
  return dir;
}

/** A digest of every input's path and bytes: the same sources give the same name in any checkout. */
async function inputsDigest(): Promise<string> {
  const hash = createHash('sha256');
  for (const file of (await Promise.all(INPUTS.map((i) => filesUnder(join(ROOT, i))))).flat().sort()) {
    hash.update(relative(ROOT, file)).update('\0');
    hash.update(await readFile(file)).update('\0');
  }
  return hash.digest('hex').slice(0, 20);
}

async function filesUnder(path: string): Promise<string[]> {
  const entries = await readdir(path, { withFileTypes: true }).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOTDIR') return null;
    throw e;
  });
  if (!entries) return [path];
  const nested = await Promise.all(entries.map((e) => (e.isDirectory() ? filesUnder(join(path, e.name)) : [join(path, e.name)])));
  return nested.flat();
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
