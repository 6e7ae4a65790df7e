import type { Command } from 'commander';
import { loadPipeline } from '@loraflow/flow-dit';
import { getDevice } from '@loraflow/tensor-core';
import { loadTrainingConfig, TrainerError, trainingProgressBar, trainLora } from '@loraflow/trainer';

interface TrainCliOptions {
  resume: boolean;
  steps?: string;
  json?: boolean;
  quiet?: boolean;
}

/** `loraflow train CONFIG`: trains a LoRA on a flow-dit base model from a YAML / JSON recipe. */
export function register(program: Command): void {
  program
    .command('train')
    .description('train a style LoRA with flow matching from a YAML/JSON config (keys: linear_rank, conv_rank, batch_size, steps, resolution, learning_rate, ema_decay, ...)')
    .argument('<config>', 'training config (.yaml or .json); relative paths are taken from its folder')
    .option('--no-resume', 'start over even when output_dir holds a checkpoint')
    .option('--steps <n>', 'override the config\'s steps')
    .option('--json', 'print the result as JSON')
    .option('-q, --quiet', 'no progress bar')
    .action(async (configPath: string, opts: TrainCliOptions) => {
      const config = await loadTrainingConfig(configPath);
      if (opts.steps !== undefined) {
        const n = Number(opts.steps);
        if (!Number.isInteger(n) || n < 1) throw new TrainerError(`--steps ${opts.steps}: expected an integer >= 1`);
        config.steps = n;
      }
      if (!config.model) throw new TrainerError(`${configPath}: key "model" is missing; expected the base model folder (config.json + safetensors)`);
      const device = await getDevice();
      const pipeline = await loadPipeline(config.model, { device });
      const bar = opts.quiet || opts.json ? null : trainingProgressBar();
      try {
        const result = await trainLora(pipeline, config, { resume: opts.resume, onStep: bar?.onStep, onEvent: bar?.onEvent });
        bar?.stop();
        if (opts.json) process.stdout.write(`${JSON.stringify({ ...result, losses: undefined, finalLoss: result.losses.at(-1) }, null, 2)}\n`);
        else process.stdout.write(`trained ${result.step} steps in ${result.seconds.toFixed(1)} s; LoRA ${result.loraPath}${result.emaLoraPath ? `, EMA ${result.emaLoraPath}` : ''}; loss curve ${result.lossCurvePath}\n`);
      } finally {
        bar?.stop();
        pipeline.dispose();
      }
    });
}
