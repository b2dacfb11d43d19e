// Runs SFDMU's `sfdmu:run` command (the npm package, an sfdx plugin) through oclif as sfdx would,
// without installing it into a CLI: `node run-sfdmu.cjs --sourceusername A --targetusername B --path DIR`.
const path = require('path');
const root = path.dirname(require.resolve('sfdmu/package.json'));
const oclif = require(require.resolve('@oclif/command', { paths: [root] }));
const flush = require(require.resolve('@oclif/command/flush', { paths: [root] }));
oclif.run(['sfdmu:run', ...process.argv.slice(2)], root).then(flush, (err) => {
  console.error(err);
  process.exit(99);
});
