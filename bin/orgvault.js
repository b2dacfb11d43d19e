#!/usr/bin/env node
// The CLI runs from TypeScript source through tsx, like `npm start`.
import { register } from 'tsx/esm/api';

register();
await import('../engine/src/cli/main.ts');
