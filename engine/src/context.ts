import type { Config } from './config/schema.js';
import type { Logger } from './infra/logger.js';
import type { Infra } from './infra/stack.js';

/** What the composition root hands to every service, route and command. */
export interface EngineContext {
  config: Config;
  log: Logger;
  infra: Infra;
}
