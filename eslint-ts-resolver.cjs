// Resolves the engine's relative ES module specifiers ('./x.js') to the TypeScript source beside
// them ('./x.ts'), so eslint-plugin-import can follow imports for its cycle and zone rules.
// Package specifiers fall through to the node resolver configured after this one.
const fs = require('node:fs');
const path = require('node:path');

exports.interfaceVersion = 2;

exports.resolve = (source, file) => {
  if (!source.startsWith('.')) return { found: false };
  const target = path.resolve(path.dirname(file), source);
  const candidates = target.endsWith('.js') ? [target.slice(0, -3) + '.ts', target] : [target, target + '.ts'];
  for (const candidate of candidates) {
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return { found: true, path: candidate };
  }
  return { found: false };
};
