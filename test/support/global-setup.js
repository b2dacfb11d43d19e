// Jest loads global setup outside its module system; tsx loads our TypeScript for it.
import { tsImport } from 'tsx/esm/api';

export default async function globalSetup() {
  const mod = await tsImport('./global-setup-impl.ts', import.meta.url);
  await mod.default();
}
