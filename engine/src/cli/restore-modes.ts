/** What each restore mode brings back and leaves alone: --help, the prompt and the refusal say the same. */
import { createInterface } from 'node:readline/promises';
import { OrgVaultError } from '../errors.js';

export const MODES = {
  changed: 'records that still exist get their backed-up values back, in the fields that differ; deleted records stay deleted',
  deleted:
    'records deleted since the backup come back (from the Recycle Bin with their own ids, else created again); existing records are left alone',
  overwrite: 'both: deleted records come back, and existing records get their backed-up values in the fields that differ',
} as const;
export type Mode = keyof typeof MODES;

export const MODES_HELP = Object.entries(MODES)
  .map(([m, what]) => `  ${m.padEnd(9)} ${what}`)
  .join('\n');

/** The mode asked for; with none, the user's answer at a terminal, else a refusal that lists the three. */
export async function chooseMode(given: string | undefined, interactive: boolean): Promise<Mode> {
  if (given !== undefined) return given as Mode;
  if (!interactive)
    throw new OrgVaultError('VALIDATION_FAILED', 'Say what to restore with --mode changed|deleted|overwrite', {
      actions: Object.entries(MODES).map(([m, what]) => `--mode ${m}: ${what}.`),
      details: { modes: Object.keys(MODES) },
    });
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    process.stderr.write(`What should the restore write?\n${MODES_HELP}\n`);
    for (;;) {
      const answer = (await rl.question('Mode (changed, deleted, overwrite): ')).trim().toLowerCase();
      if (answer in MODES) return answer as Mode;
    }
  } finally {
    rl.close();
  }
}
