/**
 * Every `orgvault` command. A new group of commands is one module with one `xxxCommands(program)`
 * (see command.ts for the shape of a command) registered here.
 */
import { Command } from 'commander';
import { orgCommands, tenantCommands } from './org-commands.js';
import { backupCommands } from './backup-commands.js';
import { protectCommands } from './protect-commands.js';
import { settingsCommands } from './settings-commands.js';
import { restoreCommands } from './restore-commands.js';
import { browseCommands } from './browse-commands.js';
import { auditCommands } from './audit-commands.js';
import { statusCommands } from './status-commands.js';
import { holdCommands } from './hold-commands.js';
import { erasureCommands } from './erasure-commands.js';
import { doctorCommands } from './doctor-commands.js';

export function buildProgram(): Command {
  const program = new Command('orgvault')
    .description('Backup and continuous data protection for Salesforce orgs')
    .addHelpText('after', '\nExit codes: 0 done, 1 failed, 2 bad input, 3 partial (some objects or records failed), 130 interrupted.')
    // A group's own options (audit's --tenant) stand before its subcommands, whose options of the same name are theirs.
    .enablePositionalOptions()
    // Commander's own refusals (an unknown flag, a missing value) end in main.ts with exit code 2, not process.exit(1).
    .exitOverride()
    .showHelpAfterError();
  orgCommands(program);
  tenantCommands(program);
  statusCommands(program);
  backupCommands(program);
  protectCommands(program);
  settingsCommands(program);
  restoreCommands(program);
  browseCommands(program);
  auditCommands(program);
  holdCommands(program);
  erasureCommands(program);
  doctorCommands(program);
  for (const command of everyCommand(program))
    command.option('--json', 'answer with one JSON document on stdout (progress and logs stay on stderr)');
  return program;
}

const everyCommand = (command: Command): Command[] => command.commands.flatMap((c) => [c, ...everyCommand(c)]);

/**
 * The commands that do something, as typed: ['org', 'list'], ['jobs'], ['audit'], ['audit', 'verify'], ...
 * A group is one when it has an action of its own (`audit` exports the trail).
 */
export function leafCommands(command: Command, path: string[] = []): string[][] {
  return command.commands.flatMap((c) => {
    const at = [...path, c.name()];
    return [...(c.commands.length === 0 || runs(c) ? [at] : []), ...leafCommands(c, at)];
  });
}

// Commander keeps a command's action in a field its types do not declare; there is no public getter.
const runs = (command: Command): boolean => typeof (command as unknown as { _actionHandler?: unknown })._actionHandler === 'function';
