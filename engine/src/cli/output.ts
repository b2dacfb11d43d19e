/** What a command prints: one JSON document with --json, else words and tables; and its exit code. */
import { CommanderError } from 'commander';
import { OrgVaultError } from '../errors.js';

/** The exit codes scripts rely on (README, "Command line"). */
export const EXIT = { done: 0, failed: 1, badInput: 2, partial: 3 } as const;
export type Outcome = keyof typeof EXIT;

/** The request itself was wrong (a flag, a value): fixing the command line fixes it. */
const BAD_INPUT = new Set(['VALIDATION_FAILED', 'BAD_REQUEST']);

export function exitCodeOf(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.done : EXIT.badInput;
  return err instanceof OrgVaultError && BAD_INPUT.has(err.code) ? EXIT.badInput : EXIT.failed;
}

/** The API's error body: the same code, message and actions a script would get from the engine. */
export function errorDocument(err: unknown): { error: { code: string; message: string; actions: string[]; details?: unknown } } {
  if (err instanceof OrgVaultError)
    return { error: { code: err.code, message: err.message, actions: err.actions, ...(err.details ? { details: err.details } : {}) } };
  if (err instanceof CommanderError)
    return { error: { code: 'VALIDATION_FAILED', message: err.message.replace(/^error: /, ''), actions: [] } };
  return { error: { code: 'INTERNAL', message: (err as Error)?.message ?? String(err), actions: [] } };
}

export interface Output {
  readonly json: boolean;
  /** The command's answer: the document itself with --json, else what `human` prints. */
  result(document: unknown, human: () => void): void;
  /** Progress and notes: always stderr, so stdout stays the answer. */
  note(line: string): void;
  /** A line of the answer said as the command goes ("Job … queued"): stdout, or stderr with --json. */
  early(line: string): void;
}

export function output(json: boolean): Output {
  return {
    json,
    result: (document, human) => {
      if (json) process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
      else human();
    },
    note: (line) => void process.stderr.write(`${line}\n`),
    early: (line) => void (json ? process.stderr : process.stdout).write(`${line}\n`),
  };
}

export const say = (line: string): void => void process.stdout.write(`${line}\n`);

export const table = (rows: ReadonlyArray<object>): void => {
  if (rows.length === 0) return;
  const cols = Object.keys(rows[0]!);
  const cell = (v: unknown): string => (v instanceof Date ? v.toISOString() : String(v ?? ''));
  const text = rows.map((r) => cols.map((c) => cell((r as Record<string, unknown>)[c])));
  const widths = cols.map((c, i) => Math.max(c.length, ...text.map((t) => t[i]!.length)));
  const line = (cells: string[]): string =>
    cells
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  process.stdout.write(`${line(cols)}\n${text.map(line).join('\n')}\n`);
};

/** Field: value lines, for one object. */
export const fields = (entries: Record<string, unknown>): void => {
  const width = Math.max(...Object.keys(entries).map((k) => k.length));
  for (const [k, v] of Object.entries(entries)) say(`${`${k}:`.padEnd(width + 1)} ${Array.isArray(v) ? v.join(', ') : String(v ?? '')}`);
};
