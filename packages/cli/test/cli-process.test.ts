import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { Generator, readSafetensors } from '@loraflow/tensor-core';
import { createPipeline, savePipeline } from '@loraflow/flow-dit';
import { generateSceneDataset } from '@loraflow/datasets';
import { TINY } from './tiny-pipeline.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const main = join(repo, 'packages/cli/src/main.ts');
// tsx from the repository (an --import specifier resolves from the child's cwd, which is a temp folder).
const tsx = pathToFileURL(join(repo, 'node_modules/tsx/dist/loader.mjs')).href;
const dir = mkdtempSync(join(tmpdir(), 'cli-process-'));

interface Child {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI from source as a user would, in `cwd`; `onStderr` may signal the child. */
function loraflow(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; onStderr?: (text: string, kill: (s: NodeJS.Signals) => void) => void; viaPnpm?: boolean } = {}): Promise<Child> {
  const [cmd, argv] = opts.viaPnpm ? ['pnpm', ['-s', '-C', repo, 'loraflow', ...args]] : [process.execPath, ['--conditions=development', '--import', tsx, main, ...args]];
  const child = spawn(cmd, argv, { cwd: opts.cwd ?? dir, env: { ...process.env, LORAFLOW_DEVICE: 'cpu', ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d));
  child.stderr.on('data', (d: Buffer) => {
    stderr += d;
    opts.onStderr?.(stderr, (s) => child.kill(s));
  });
  return new Promise((done) => child.on('close', (code) => done({ code, stdout, stderr })));
}

beforeAll(async () => {
  await savePipeline(createPipeline(structuredClone(TINY), { generator: new Generator(3) }), join(dir, 'base'));
  await generateSceneDataset(join(dir, 'data'), { themes: ['cherry-blossom'], count: 4, width: 32, height: 32, seed: 1 });
  writeFileSync(join(dir, 'run.yaml'), ['model: base', 'dataset: data', 'output_dir: out', 'linear_rank: 2', 'conv_rank: 2', 'steps: 5000', 'learning_rate: 1e-3', 'seed: 1'].join('\n'));
});

describe('the loraflow process', () => {
  it('prints its version', async () => {
    const r = await loraflow(['--version']);
    expect(r).toMatchObject({ code: 0, stdout: '0.1.0\n' });
  });

  it('picks a device without Dawn\'s adapter-probe warnings reaching the user when it runs on the CPU', async () => {
    const r = await loraflow(['device'], { env: { LORAFLOW_DEVICE: '' } });
    expect(r.code).toBe(0);
    // Where a hardware GPU is present `auto` uses WebGPU, and Dawn's notes about that adapter are the user's business.
    if (r.stdout.startsWith('cpu:')) expect(r.stderr).toBe('');
  });

  it('prints a usage error in one line and a hint, not the whole help', async () => {
    const r = await loraflow(['sample', '--prompt', 'x']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("error: required option '--model <dir>' not specified\n(run with --help for usage)\n");
  });

  it('under `pnpm loraflow`, resolves relative paths from the directory the user ran it in', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'cli-user-'));
    mkdirSync(join(cwd, 'mine'));
    writeFileSync(join(cwd, 'mine', 'a.txt'), 'x');
    const r = await loraflow(['dataset', 'check', 'mine'], { cwd, viaPnpm: true });
    // The folder exists only under the user's directory: from the repository root listing it would fail.
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^mine: 0 images, 1 errors, 0 warnings\n {2}error {3}empty {12}\.: no images found/);
  });

  it('on Ctrl-C during train finishes the step, writes a checkpoint and the LoRA so far, says where and exits 130', async () => {
    const r = await loraflow(['train', 'run.yaml'], { onStderr: (text, kill) => /train step 1\//.test(text) && !text.includes('SIGINT') && kill('SIGINT') });
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/SIGINT: finishing the current step/);
    const m = /stopped at step (\d+) of 5000: checkpoint (\S+), LoRA so far (\S+); run the same command again/.exec(r.stdout);
    expect(m, r.stdout + r.stderr).not.toBeNull();
    expect(m![2]).toBe(join(dir, 'out', 'checkpoint.safetensors'));
    expect(existsSync(m![3])).toBe(true);
    const ck = await readSafetensors(m![2]);
    expect(JSON.parse(ck.metadata.loraflow_training_state).step).toBe(Number(m![1]));
    await ck.close();
  }, 60_000);

  it('a second Ctrl-C exits at once', async () => {
    const r = await loraflow(['train', 'run.yaml', '--no-resume'], {
      onStderr: (text, kill) => {
        // The second signal goes once the first was seen: two at once would reach the process as one.
        if (/train step 1\//.test(text) && !text.includes('SIGINT')) kill('SIGINT');
        else if (text.includes('press Ctrl-C again') && !text.includes('exiting now')) kill('SIGINT');
      },
    });
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/SIGINT again, exiting now/);
    expect(r.stdout).not.toMatch(/stopped at step/);
  }, 60_000);
});
