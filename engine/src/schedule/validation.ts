import type { z } from 'zod';
import { OrgVaultError } from '../errors.js';

/** Validates input against a schema; failures name the offending fields. */
export function parseBody<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`);
  throw new OrgVaultError('VALIDATION_FAILED', `Invalid settings: ${problems.join('; ')}`, {
    actions: ['Correct the fields named above.'],
    details: { problems },
  });
}
