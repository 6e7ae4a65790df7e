/**
 * kill -9 tests: the real CLI in a child process is killed at the worst moment (between the temp
 * write and the rename, via tensor-core's pause hook, or mid-run), then run again. Every output must
 * be the complete old file or the complete new one, the rerun must reproduce the uninterrupted
 * result, and no temp file may be left.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATOMIC_TEMP_INFIX, Generator, PAUSE_BEFORE_RENAME_ENV, readSafetensors } from '@loraflow/tensor-core';
import { createPipeline, savePipeline, type PipelineConfig } from '@loraflow/flow-dit';
import { generateSceneDataset } from '@loraflow/datasets';
import { f32ToRaw, qwenImageLinearShapes, serializeLoraLayers, type LoraLayer } from '@loraflow/lora-adapters';
import { fakeCaption, imageHash, startFakeServer, type FakeServer } from '../../captioning/test/fake-vlm-server.js';

const root = join(import.meta.dirname, '..', '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'cli-kill-'));

interface Child {
  /** Resolves with the first stderr/stdout line matching `re`. */
  waitFor(re: RegExp): Promise<RegExpMatchArray>;
  kill9(): Promise<void>;
  done: Promise<{ code: number | null; output: string }>;
}

function cli(args: string[], env: Record<string, string> = {}): Child {
  const child = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', 'packages/cli/src/main.ts', ...args], {
    cwd: root,
    env: { ...process.env, LORAFLOW_DEVICE: 'cpu', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const waiters: { re: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  const onData = (d: Buffer) => {
    output += d.toString();
    for (const w of [...waiters]) {
      const m = output.match(w.re);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const done = new Promise<{ code: number | null; output: string }>((resolve) => child.on('exit', (code) => resolve({ code, output })));
  return {
    waitFor: (re) =>
      new Promise((resolve, reject) => {
        const m = output.match(re);
        if (m) return resolve(m);
        waiters.push({ re, resolve });
        void done.then(() => reject(new Error(`exited before ${re}: ${output.slice(-2000)}`)));
      }),
    async kill9() {
      child.kill('SIGKILL');
      await done;
    },
    done,
  };
}

async function cliOk(args: string[]): Promise<string> {
  const { code, output } = await cli(args).done;
  expect(code, output).toBe(0);
  return output;
}

const tempFiles = (folder: string) => readdirSync(folder, { recursive: true, encoding: 'utf8' }).filter((n) => n.includes(ATOMIC_TEMP_INFIX) || /\.tmp-\d+-/.test(n));

/** A 12-layer PEFT LoRA with real Qwen-Image names and small random factors. */
async function loraFixture(path: string): Promise<void> {
  const gen = new Generator(11);
  const layers: LoraLayer[] = qwenImageLinearShapes(1)
    .slice(0, 12)
    .map((m) => ({
      module: m.module, kind: 'linear', kernel: [1, 1], rank: 4, alpha: 4,
      down: f32ToRaw(gen.normal(4 * 64).map((v) => v * 0.1), [4, 64], 'F32'),
      up: f32ToRaw(gen.normal(48 * 4).map((v) => v * 0.1), [48, 4], 'F32'),
    }));
  writeFileSync(path, await serializeLoraLayers(layers, { format: 'peft' }));
}

/** Kills the command inside its write of `target`, checks the old file survived, reruns, compares with `reference`. */
async function killInsideWriteThenRerun(args: (out: string) => string[], target: string, reference: string): Promise<void> {
  const old = new Uint8Array([1, 2, 3, 4]);
  writeFileSync(target, old);
  const child = cli(args(target), { [PAUSE_BEFORE_RENAME_ENV]: target });
  const [, temp] = await child.waitFor(/atomic-write paused (\S+)/);
  await child.kill9();
  expect(new Uint8Array(readFileSync(target))).toEqual(old);
  // kill -9 gives no chance to clean up: the temp file is there, complete, never renamed.
  expect(existsSync(temp)).toBe(true);
  await cliOk(args(target));
  expect(new Uint8Array(readFileSync(target))).toEqual(new Uint8Array(readFileSync(reference)));
  expect(tempFiles(dir)).toEqual([]);
}

describe('kill -9 mid-write, then run again', () => {
  const lora = join(dir, 'in.safetensors');
  beforeAll(() => loraFixture(lora));

  it('lora convert: the destination is the old file or the new one, the rerun equals an uninterrupted run', async () => {
    const reference = join(dir, 'convert-ref.safetensors');
    await cliOk(['lora', 'convert', lora, reference, '--to', 'kohya']);
    await killInsideWriteThenRerun((out) => ['lora', 'convert', lora, out, '--to', 'kohya'], join(dir, 'converted.safetensors'), reference);
  });

  it('rerank: the same', async () => {
    const reference = join(dir, 'rerank-ref.safetensors');
    await cliOk(['rerank', lora, '-o', reference, '--rank', '2', '--quiet']);
    await killInsideWriteThenRerun((out) => ['rerank', lora, '-o', out, '--rank', '2', '--quiet'], join(dir, 'reranked.safetensors'), reference);
  });
});

describe('train killed inside a checkpoint write', () => {
  const TINY: PipelineConfig = {
    transformer: { patchSize: 2, latentChannels: 4, depth: 1, heads: 2, headDim: 8, mlpRatio: 2, textDim: 16, ropeAxes: [2, 2, 4], ropeTheta: 10000 },
    vae: { inChannels: 3, latentChannels: 4, blockChannels: [8, 8, 8], normGroups: 4, latentsMean: [0, 0, 0, 0], latentsStd: [1, 1, 1, 1] },
    textEncoder: { vocabSize: 64, hashSeed: 0, maxLength: 12, hidden: 16, layers: 1, heads: 2, intermediate: 24, ropeTheta: 10000 },
    resolution: 32,
  };
  const recipe = (out: string) =>
    ['model: base', 'dataset: data', `output_dir: ${out}`, 'output_name: style', 'linear_rank: 2', 'conv_rank: 0', 'batch_size: 2', 'steps: 6', 'save_every: 2',
      'resolution: [32]', 'bucket_step: 8', 'dtype: f32', 'ema_decay: 0', 'learning_rate: 1e-3', 'seed: 1'].join('\n');

  beforeAll(async () => {
    await savePipeline(createPipeline(structuredClone(TINY), { generator: new Generator(3) }), join(dir, 'base'));
    await generateSceneDataset(join(dir, 'data'), { themes: ['cherry-blossom'], count: 4, width: 40, height: 32, seed: 1 });
    writeFileSync(join(dir, 'ref.yaml'), recipe('ref'));
    writeFileSync(join(dir, 'run.yaml'), recipe('run'));
  });

  it('the previous checkpoint stays usable and the resumed run ends bit-identical to an uninterrupted one', async () => {
    await cliOk(['train', join(dir, 'ref.yaml')]);
    // Pause in the second checkpoint write (step 4): step 2's checkpoint is on disk.
    const child = cli(['train', join(dir, 'run.yaml')], { [PAUSE_BEFORE_RENAME_ENV]: 'checkpoint.safetensors@2' });
    await child.waitFor(/atomic-write paused (\S+)/);
    await child.kill9();
    const checkpoint = join(dir, 'run', 'checkpoint.safetensors');
    const state = JSON.parse((await readSafetensors(checkpoint)).metadata.loraflow_training_state ?? '{}');
    expect(state.step).toBe(2);
    await cliOk(['train', join(dir, 'run.yaml')]);
    const [a, b] = await Promise.all([readSafetensors(join(dir, 'ref', 'style.safetensors')), readSafetensors(join(dir, 'run', 'style.safetensors'))]);
    expect(b.keys).toEqual(a.keys);
    for (const key of a.keys) expect((await b.readRaw(key)).bytes, key).toEqual((await a.readRaw(key)).bytes);
    expect(JSON.parse(readFileSync(join(dir, 'run', 'losses.json'), 'utf8'))).toEqual(JSON.parse(readFileSync(join(dir, 'ref', 'losses.json'), 'utf8')));
    expect(tempFiles(join(dir, 'run'))).toEqual([]);
  });
});

describe('caption killed mid-run against the local fake server', () => {
  let server: FakeServer;
  beforeAll(async () => {
    server = await startFakeServer({ api: 'openai', okDelayMs: 150 });
  });
  afterAll(() => server.close());

  it('captions are complete or absent, and the resumed run writes what an uninterrupted one does', async () => {
    const folder = join(dir, 'caption');
    await generateSceneDataset(folder, { themes: ['desert'], count: 8, width: 32, height: 24, captions: false, seed: 2 });
    const reference = join(dir, 'caption-ref');
    cpSync(folder, reference, { recursive: true });
    const args = (f: string) => ['caption', f, '--backend', 'openai', '--base-url', server.url, '--model', 'vlm-test', '--api-key', 'k', '--concurrency', '1', '--no-progress'];
    await cliOk(args(reference));
    const child = cli(args(folder));
    // Wait until some captions exist, then kill while the rest are in flight.
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (readdirSync(folder).filter((n) => n.endsWith('.txt')).length >= 3) {
          clearInterval(poll);
          resolve();
        }
      }, 20);
    });
    await child.kill9();
    const images = readdirSync(folder).filter((n) => n.endsWith('.png'));
    const written = readdirSync(folder).filter((n) => n.endsWith('.txt'));
    expect(written.length).toBeGreaterThanOrEqual(3);
    expect(written.length).toBeLessThan(images.length);
    for (const name of written) {
      const hash = imageHash(readFileSync(join(folder, name.replace(/\.txt$/, '.png'))));
      expect(readFileSync(join(folder, name), 'utf8')).toContain(fakeCaption(hash));
    }
    await cliOk(args(folder));
    for (const name of images) {
      const txt = name.replace(/\.png$/, '.txt');
      expect(readFileSync(join(folder, txt), 'utf8'), txt).toBe(readFileSync(join(reference, txt), 'utf8'));
    }
    expect(tempFiles(folder)).toEqual([]);
  });
});
