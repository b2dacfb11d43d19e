/**
 * Builds the local preview of the Lightning page: the same LWC components as force-app, compiled
 * outside Salesforce with lightning-base-components and SLDS, the Apex imports bridged to the
 * engine API (preview/src/apex-bridge.js). Output: dist/preview/, which the engine serves at
 * /preview when ORGVAULT_PREVIEW_DIR points at it.
 *   npm run preview:build [-- outDir]
 */
import { cp, mkdir, readFile, readdir, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rollup, type Plugin } from 'rollup';
import lwc from '@lwc/rollup-plugin';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const COMPONENTS = join(ROOT, 'force-app/main/default/lwc');
const STATIC_RESOURCES = join(ROOT, 'force-app/main/default/staticresources');
const RESOURCE_PREFIX = '@salesforce/resourceUrl/';
const VIRTUAL_RESOURCE = '\0orgvault-resource:';
const APEX_PREFIX = '@salesforce/apex/OrgVaultController.';
const VIRTUAL_APEX = '\0orgvault-apex:';
/**
 * The base components' feature gates are all open in their stub; this one makes lightning-combobox
 * call attachInternals, which synthetic shadow refuses (the combobox then never renders).
 */
const CLOSED_GATES = new Set(['@salesforce/gate/bc.260.enableComboboxElementInternals']);
const VIRTUAL_CLOSED_GATE = '\0orgvault-closed-gate';

/** What only Lightning Experience provides, and where the preview takes it from. */
function platformModules(): Plugin {
  return {
    name: 'orgvault-platform',
    resolveId(source) {
      if (source.startsWith(APEX_PREFIX)) return VIRTUAL_APEX + source.slice(APEX_PREFIX.length);
      if (CLOSED_GATES.has(source)) return VIRTUAL_CLOSED_GATE;
      if (source === 'lightning/platformShowToastEvent') return join(ROOT, 'preview/src/toast.js');
      if (source === 'lightning/platformResourceLoader') return join(ROOT, 'preview/src/resource-loader.js');
      if (source === 'lightning/navigation') return join(ROOT, 'preview/src/navigation.js');
      if (source.startsWith(RESOURCE_PREFIX)) return VIRTUAL_RESOURCE + source.slice(RESOURCE_PREFIX.length);
      // The package's own components (c/name) live in Salesforce's layout: lwc/name/name.js.
      const own = /^c\/(\w+)$/.exec(source);
      if (own) {
        const file = join(COMPONENTS, own[1]!, `${own[1]}.js`);
        if (existsSync(file)) return file;
      }
      return null;
    },
    load(id) {
      if (id === VIRTUAL_CLOSED_GATE) return 'export default { isOpen: () => false };\n';
      if (id.startsWith(VIRTUAL_APEX)) {
        const method = id.slice(VIRTUAL_APEX.length);
        const bridge = JSON.stringify(join(ROOT, 'preview/src/apex-bridge.js'));
        return `import { callApex } from ${bridge};\nexport default (params) => callApex(${JSON.stringify(method)}, params);\n`;
      }
      // A static resource's URL, relative to the preview's page (buildPreview copies them to resources/).
      if (id.startsWith(VIRTUAL_RESOURCE))
        return `export default ${JSON.stringify(`resources/${id.slice(VIRTUAL_RESOURCE.length)}.js`)};\n`;
      return null;
    },
    async transform(code, id) {
      if (id.endsWith('.json')) return { code: `export default ${code};`, map: null };
      // Build-time flags a browser bundle has to be given: LWC's development checks read
      // process.env.NODE_ENV, the base components ask import.meta.env.SSR.
      if (!code.includes('process.env.NODE_ENV') && !code.includes('import.meta.env.SSR')) return null;
      return { code: code.replaceAll('process.env.NODE_ENV', '"production"').replaceAll('import.meta.env.SSR', 'false'), map: null };
    },
  };
}

export async function buildPreview(outDir = join(ROOT, 'dist/preview')): Promise<string> {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const bundle = await rollup({
    input: join(ROOT, 'preview/src/main.js'),
    plugins: [platformModules(), lwc({ modules: [{ npm: 'lightning-base-components' }], rootDir: COMPONENTS, exclude: ['**/*.json'] })],
    onwarn(warning, warn) {
      if (warning.code !== 'CIRCULAR_DEPENDENCY' && warning.code !== 'THIS_IS_UNDEFINED') warn(warning);
    },
  });
  await bundle.write({ file: join(outDir, 'main.js'), format: 'iife', inlineDynamicImports: true });
  await bundle.close();
  await cp(join(ROOT, 'preview/index.html'), join(outDir, 'index.html'));
  await mkdir(join(outDir, 'resources'));
  for (const file of await readdir(STATIC_RESOURCES))
    if (file.endsWith('.js')) await cp(join(STATIC_RESOURCES, file), join(outDir, 'resources', file));
  const slds = join(ROOT, 'node_modules/@salesforce-ux/design-system/assets');
  await cp(join(slds, 'styles'), join(outDir, 'slds/styles'), { recursive: true });
  await cp(join(slds, 'images'), join(outDir, 'slds/images'), { recursive: true });
  return outDir;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = await buildPreview(process.argv[2]);
  process.stdout.write(`preview built in ${out}\n`);
  // Keep the JSON import of the routes honest: fail the build if the table is not valid JSON.
  JSON.parse(await readFile(join(ROOT, 'preview/apex-routes.json'), 'utf8'));
}
