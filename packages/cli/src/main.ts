#!/usr/bin/env node
/**
 * The `loraflow` command. Each subcommand lives in `commands/<name>.ts` and exports
 * `register(program)`; add one import and one `register` call below per command file.
 */
import { Command } from 'commander';
import { register as registerDevice } from './commands/device.js';
import { register as registerDataset } from './commands/dataset.js';
import { register as registerCaption } from './commands/caption.js';
import { register as registerRerank } from './commands/rerank.js';
import { register as registerLora } from './commands/lora.js';
import { register as registerTrain } from './commands/train.js';
import { register as registerSample } from './commands/sample.js';
import { register as registerI2l } from './commands/i2l.js';

const program = new Command('loraflow')
  .description('Style LoRA training, sampling, Image-to-LoRA, re-ranking and captioning for flow-matching image models')
  .showHelpAfterError();

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
