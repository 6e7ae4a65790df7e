/**
 * Scripted check that both stages resume bit-exactly after `kill -9`: runs the --quick recipe once straight through
 * and once with a SIGKILL as soon as its first per-step checkpoint lands, re-runs the killed command, and compares
 * every weight file byte for byte and the loss histories. Usage (repo root; about a minute):
 *   node --conditions=development --import tsx tools/train-base-v2/check-resume.ts
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tc from '../../packages/tensor-core/src/index.ts';

const SCRIPT = ['--conditions=development', '--import', 'tsx', 'tools/train-base-v2/train-base-v2.ts', '--quick', '--checkpoint-seconds', '0'];
const root = await mkdtemp(join(tmpdir(), 'base-v2-resume-'));
const dirs = (name: string) => ['--out', join(root, name, 'out'), '--state', join(root, name, 'state')];

function runToEnd(stage: string, name: string): void {
  const r = spawnSync('node', [...SCRIPT, '--stage', stage, ...dirs(name)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${stage} (${name}) failed: ${r.stderr.slice(-2000)}`);
}

async function checkpointStep(path: string): Promise<number> {
  try {
    const reader = await tc.readSafetensors(path);
    const step = (JSON.parse(reader.metadata.loraflow_training_state) as { step: number }).step;
    await reader.close();
    return step;
  } catch {
    return 0;
  }
}

/** Starts the stage, SIGKILLs it once a checkpoint of step >= 1 exists, and returns the step it was killed after. */
async function runAndKill(stage: string, name: string): Promise<number> {
  const child = spawn('node', [...SCRIPT, '--stage', stage, ...dirs(name)], { stdio: 'ignore' });
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
  const ckpt = join(root, name, 'state', `${stage}.ckpt.safetensors`);
  for (;;) {
    const step = await checkpointStep(ckpt);
    if (step >= 1) {
      child.kill('SIGKILL');
      const how = await exited;
      if (how !== 'SIGKILL') throw new Error(`${stage}: finished (${how}) before it could be killed; the check proves nothing`);
      return step;
    }
    if (child.exitCode !== null) throw new Error(`${stage}: exited ${child.exitCode} before its first checkpoint`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const failures: string[] = [];
for (const stage of ['autoencoder', 'transformer']) {
  runToEnd(stage, 'straight');
  const killedAt = await runAndKill(stage, 'killed');
  runToEnd(stage, 'killed');
  const files = stage === 'autoencoder' ? ['vae.safetensors', 'config.json'] : ['transformer.safetensors', 'text_encoder.safetensors', 'vae.safetensors', 'samples.png'];
  for (const f of files) {
    const a = await readFile(join(root, 'straight', 'out', f)), b = await readFile(join(root, 'killed', 'out', f));
    if (!a.equals(b)) failures.push(`${stage}: ${f} differs after a kill at step ${killedAt}`);
  }
  const log = stage === 'autoencoder' ? 'autoencoder-log.json' : 'train-log.json';
  const la = JSON.parse(await readFile(join(root, 'straight', 'out', log), 'utf8')), lb = JSON.parse(await readFile(join(root, 'killed', 'out', log), 'utf8'));
  if (JSON.stringify(la.lossEvery25Steps) !== JSON.stringify(lb.lossEvery25Steps) || JSON.stringify(la.validation) !== JSON.stringify(lb.validation)) {
    failures.push(`${stage}: loss history differs after a kill at step ${killedAt}`);
  }
  console.log(`${stage}: killed with SIGKILL after checkpoint step ${killedAt}, resumed; ${files.join(', ')} compared`);
}
if (failures.length) {
  console.error(`${failures.join('\n')}\n(runs kept in ${root})`);
  process.exit(1);
}
await rm(root, { recursive: true, force: true });
console.log('bit-exact resume after kill -9: OK');
