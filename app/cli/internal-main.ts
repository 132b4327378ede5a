import { Command } from 'commander';
import { internalCommand } from './internal-command.ts';

await new Command('gauntlet').addCommand(internalCommand()).parseAsync(process.argv);
