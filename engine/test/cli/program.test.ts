/**
 * Every command, found in the command registry (so a new one cannot slip past): an unknown flag
 * ends with exit code 2 and a message naming the flag, as the API's VALIDATION_FAILED error.
 * In-process (commander refuses before any client opens); the same through a real process and a
 * running engine: test/e2e/cli-api.test.ts.
 */
import { describe, it, expect } from '@jest/globals';
import type { Command } from 'commander';
import { buildProgram, leafCommands } from '../../src/cli/program.js';
import { errorDocument, exitCodeOf } from '../../src/cli/output.js';

/** The command's words and whatever it requires before it would look at its flags: mandatory options, arguments. */
function invocation(program: Command, words: string[]): string[] {
  const command = words.reduce((c, w) => c.commands.find((s) => s.name() === w)!, program);
  const options = command.options.filter((o) => o.mandatory).flatMap((o) => [o.long!, ...(o.required || o.optional ? ['x'] : [])]);
  return [...words, ...options, ...command.registeredArguments.filter((a) => a.required).map(() => 'x')];
}

const quiet = (command: Command): void => {
  command.configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  command.commands.forEach(quiet);
};

describe('orgvault commands', () => {
  it('lists every command that runs, groups with an action of their own included', () => {
    const commands = leafCommands(buildProgram()).map((c) => c.join(' '));
    expect(commands).toEqual(expect.arrayContaining(['jobs', 'org list', 'audit', 'audit verify']));
    expect(commands).not.toContain('org');
  });

  it('each one refuses an unknown flag with exit code 2, naming it', async () => {
    const refusals = [];
    for (const command of leafCommands(buildProgram())) {
      const program = buildProgram();
      quiet(program);
      const err = await program.parseAsync(['node', 'orgvault', ...invocation(program, command), '--bogus-flag'], { from: 'node' }).then(
        () => null,
        (e: unknown) => e,
      );
      refusals.push({ command: command.join(' '), code: exitCodeOf(err), error: errorDocument(err).error });
    }
    expect(refusals.length).toBeGreaterThan(20);
    for (const r of refusals)
      expect(r).toEqual({
        command: r.command,
        code: 2,
        error: expect.objectContaining({ code: 'VALIDATION_FAILED', message: expect.stringContaining('--bogus-flag') }),
      });
  });
});
