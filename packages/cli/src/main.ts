#!/usr/bin/env node
/**
 * The `loraflow` command. Each subcommand lives in `commands/<name>.ts` and exports
 * `register(program)`; add one import and one `register` call below per command file.
 */
import { Command } from 'commander';
import { cliVersion } from './cli-version.js';
import { userCwd } from './user-cwd.js';
import { register as registerDevice } from './commands/device.js';
import { register as registerDataset } from './commands/dataset.js';
import { register as registerCaption } from './commands/caption.js';
import { register as registerRerank } from './commands/rerank.js';
import { register as registerLora } from './commands/lora.js';
import { register as registerTrain } from './commands/train.js';
import { register as registerSample } from './commands/sample.js';
import { register as registerI2l } from './commands/i2l.js';

// Relative paths on the command line are the user's: under `pnpm loraflow` the process starts in the repository root.
process.chdir(userCwd());

const program = new Command('loraflow')
  .description('Style LoRA training, sampling, Image-to-LoRA, re-ranking and captioning for flow-matching image models')
  .version(cliVersion(), '-V, --version', 'print the version')
  // A usage error is one line and a hint, not the whole help (subcommands inherit this).
  .showHelpAfterError('(run with --help for usage)');

registerDevice(program);
registerDataset(program);
registerCaption(program);
registerRerank(program);
registerLora(program);
registerTrain(program);
registerSample(program);
registerI2l(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`loraflow: ${message}\n`);
  process.exit(1);
});
