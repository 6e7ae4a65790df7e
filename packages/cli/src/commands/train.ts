import type { Command } from 'commander';
import { loadPipeline } from '@loraflow/flow-dit';
import { getDevice } from '@loraflow/tensor-core';
import { loadTrainingConfig, TrainerError, trainingProgressBar, trainLora } from '@loraflow/trainer';
import { signalExitCode, stopOnSignal } from './stop-on-signal.js';

interface TrainCliOptions {
  resume: boolean;
  steps?: string;
  json?: boolean;
  quiet?: boolean;
}

/** `loraflow train CONFIG`: trains a LoRA on a flow-dit base model from a YAML / JSON / kohya TOML recipe. */
export function register(program: Command): void {
  program
    .command('train')
    .description('train a style LoRA with flow matching from a config (keys: linear_rank, conv_rank, batch_size, steps, resolution, learning_rate, ema_decay, ...; kohya TOML and ai-toolkit YAML keys are read too). Ctrl-C finishes the step, saves a checkpoint and the LoRA so far; run again to continue')
    .argument('<config>', 'training config (.yaml, .json or .toml); relative paths are taken from its folder')
    .option('--no-resume', 'start over even when output_dir holds a checkpoint')
    .option('--steps <n>', 'override the config\'s steps (more steps continue a finished run)')
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
      const stop = stopOnSignal('finishing the current step, then saving a checkpoint and the LoRA so far');
      try {
        const result = await trainLora(pipeline, config, { resume: opts.resume, onStep: bar?.onStep, onEvent: bar?.onEvent, signal: stop.signal });
        bar?.stop();
        if (opts.json) process.stdout.write(`${JSON.stringify({ ...result, losses: undefined, finalLoss: result.losses.at(-1) }, null, 2)}\n`);
        else if (result.interrupted) process.stdout.write(`stopped at step ${result.step} of ${config.steps}: checkpoint ${result.checkpointPath}, LoRA so far ${result.loraPath}; run the same command again to continue\n`);
        else process.stdout.write(`trained ${result.step} steps in ${result.seconds.toFixed(1)} s; LoRA ${result.loraPath}${result.emaLoraPath ? `, EMA ${result.emaLoraPath}` : ''}; loss curve ${result.lossCurvePath}; step log ${result.stepLogPath}\n`);
        if (result.interrupted && stop.received) process.exitCode = signalExitCode(stop.received);
      } finally {
        stop.dispose();
        bar?.stop();
        pipeline.dispose();
      }
    });
}
