/**
 * The page's preview, built once per test run and shared by every Chromium suite: a build costs about 40 s of
 * CPU, and the sources do not change during a run. Workers that race build apart and the first rename wins.
 */
import { access, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPreview } from '../../preview/build.js';

export async function sharedPreview(): Promise<string> {
  const root = process.env.ORGVAULT_TEST_TMP ?? tmpdir();
  const dir = join(root, 'preview');
  if (await exists(join(dir, 'index.html'))) return dir;
  const own = await buildPreview(join(root, `preview-${process.pid}-${Date.now()}`));
  try {
    await rename(own, dir);
  } catch (e) {
    // Another worker's build landed first: use it and drop ours.
    if (!(await exists(join(dir, 'index.html')))) throw e;
    await rm(own, { recursive: true, force: true });
  }
  return dir;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
