/**
 * The engine's TypeScript compiled to JavaScript for the CLI: starting tsx (its loader and its
 * esbuild) costs more CPU than a command through a running engine's API takes in all. The build
 * goes to dist/engine-<fingerprint of the sources>/, so a changed source is compiled again before
 * the next command runs, and commands started at once never read a half-written build.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';

const SRC = 'engine/src';
/** A build this old that no longer matches the sources is removed (a command running from it has long loaded it). */
const STALE_MS = 60 * 60 * 1000;

/** Every file and folder under engine/src with its last change: a rename, a removal or an edit changes it. */
function fingerprint(root) {
  const hash = createHash('sha256');
  const files = [];
  const walk = (dir) => {
    hash.update(`${dir}:${statSync(dir).mtimeMs}\n`);
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else {
        files.push(full);
        const { mtimeMs, size } = statSync(full);
        hash.update(`${full}:${mtimeMs}:${size}\n`);
      }
    }
  };
  walk(path.join(root, SRC));
  hash.update(`tsconfig:${statSync(path.join(root, 'tsconfig.json')).mtimeMs}`);
  return { id: hash.digest('hex').slice(0, 16), files };
}

async function build(root, files, into) {
  const { build: esbuild } = await import('esbuild');
  const out = path.join(into, SRC);
  await esbuild({
    entryPoints: files.filter((f) => f.endsWith('.ts')),
    outdir: out,
    outbase: path.join(root, SRC),
    format: 'esm',
    platform: 'node',
    target: 'node20',
    tsconfig: path.join(root, 'tsconfig.json'),
    logLevel: 'silent',
  });
  // The migrations are read from beside the code (infra/migrate.ts).
  for (const f of files.filter((f) => f.endsWith('.sql'))) cpSync(f, path.join(out, path.relative(path.join(root, SRC), f)));
}

function removeStale(dist, keep) {
  for (const entry of readdirSync(dist)) {
    const full = path.join(dist, entry);
    if (entry.startsWith('engine-') && entry !== keep && Date.now() - statSync(full).mtimeMs > STALE_MS)
      rmSync(full, { recursive: true, force: true });
  }
}

/** The compiled CLI's entry, compiled now if the sources changed; null when it cannot be (then tsx runs the sources). */
export async function compiledCli(root) {
  try {
    const { id, files } = fingerprint(root);
    const dist = path.join(root, 'dist');
    const name = `engine-${id}`;
    const entry = path.join(dist, name, SRC, 'cli/main.js');
    if (existsSync(entry)) return entry;
    const tmp = path.join(dist, `.${name}-${process.pid}`);
    mkdirSync(tmp, { recursive: true });
    try {
      await build(root, files, tmp);
      try {
        renameSync(tmp, path.join(dist, name));
      } catch (err) {
        // Another command finished the same build first: its copy serves.
        if (!existsSync(entry)) throw err;
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
    removeStale(dist, name);
    return entry;
  } catch {
    return null;
  }
}
