/**
 * The packages as published: `pnpm pack` for every package (run `pnpm build` first), install the
 * tarballs into a fresh project outside the repo (`--prefer-offline`: the files come from the pnpm
 * store; the registry is asked only for metadata the store's cache lacks), then as a consumer would:
 * - import every entry point in ESM, with and without `--conditions=development` (a published
 *   `development` condition pointing at src/*.ts breaks the second);
 * - run a tensor op on the CPU, check that asking for WebGPU without the optional `webgpu` package
 *   says how to add it, and run the `loraflow` binary;
 * - type-check an import of every package with TypeScript (strict, `skipLibCheck: false`) under
 *   `moduleResolution: bundler` and `node16` with the DOM lib and no @types/node (a browser app), and
 *   under `node16` with @types/node and no DOM (a Node app).
 * Prints the install size. Usage: node --import tsx test/packaging/packed-install.ts [--keep]
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { publishedPackages } from './published-packages.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));

const OPTIONS = {
  keep: process.argv.includes('--keep'),
  /** TypeScript and @types/node at the versions the repo installed, so the store has them. */
  typescript: await installedVersion('typescript'),
  typesNode: await installedVersion('@types/node'),
};

async function installedVersion(name: string): Promise<string> {
  return (JSON.parse(await readFile(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
}

interface Manifest {
  name: string;
  version: string;
  exports: Record<string, Record<string, string>>;
  bin?: Record<string, string>;
}

async function sh(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<string> {
  try {
    const { stdout, stderr } = await run(cmd, args, { cwd, env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 });
    return stdout + stderr;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`.trim());
  }
}

async function packAll(dir: string): Promise<Map<string, { manifest: Manifest; tarball: string }>> {
  const packed = new Map<string, { manifest: Manifest; tarball: string }>();
  for (const name of await publishedPackages(root)) {
    const pkgDir = join(root, 'packages', name);
    const out = await sh('pnpm', ['pack', '--pack-destination', dir, '--json'], pkgDir);
    const tarball = (JSON.parse(out.slice(out.indexOf('{'))) as { filename: string }).filename;
    const manifest = JSON.parse(await readFile(join(pkgDir, 'package.json'), 'utf8')) as Manifest;
    packed.set(manifest.name, { manifest, tarball });
  }
  return packed;
}

/** Every import specifier a consumer can use: each package's export paths. */
function specifiers(packed: Map<string, { manifest: Manifest }>): string[] {
  return [...packed.values()].flatMap(({ manifest }) => Object.keys(manifest.exports).map((sub) => (sub === '.' ? manifest.name : `${manifest.name}/${sub.slice(2)}`)));
}

const ESM_CHECK = (specs: string[]) => `
const specs = ${JSON.stringify(specs)};
for (const spec of specs) {
  const mod = await import(spec);
  if (Object.keys(mod).length === 0) throw new Error(spec + ' has no exports');
}
const tc = await import('@loraflow/tensor-core');
await tc.getDevice('cpu');
const y = tc.tensor(Float32Array.from([1, 2, 3, 4]), [2, 2]).matmul(tc.tensor(Float32Array.from([5, 6, 7, 8]), [2, 2]));
const got = Array.from(await y.data());
if (got.join() !== '19,22,43,50') throw new Error('matmul gave ' + got);
const webgpu = await tc.getDevice('webgpu').then(() => 'opened', (e) => e.message);
if (!/not installed; add it with .npm install webgpu@/.test(webgpu)) throw new Error('getDevice("webgpu") without the webgpu package: ' + webgpu);
console.log('imported ' + specs.length + ' entry points; matmul ok; webgpu absent: ' + webgpu);
`;

const TYPE_CHECK = `
import { tensor, type Tensor } from '@loraflow/tensor-core';
import { sampleEuler } from '@loraflow/flow-samplers';
import { openLoraFile, type LoraFormat } from '@loraflow/lora-adapters';
import { rerankLayers } from '@loraflow/pca-rerank';
import { I2lModel, type I2lTargetTable } from '@loraflow/i2l-model';
import { renderScene, type RasterImage } from '@loraflow/datasets';
import { insertTrigger } from '@loraflow/captioning';
import { createPipeline, type PipelineConfig } from '@loraflow/flow-dit';
import { trainLora, trainingProgressBar, type TrainingConfig } from '@loraflow/trainer';
import { sampleImageTensor } from '@loraflow/trainer/sampling';
import { CLI_NAME } from '@loraflow/cli';

const x: Tensor = tensor(Float32Array.from([1, 2]), [2]);
const format: LoraFormat = 'kohya';
const image: RasterImage = renderScene({ theme: 'any', seed: 1, width: 8, height: 8 }).image;
export const used = [x, format, image, sampleEuler, openLoraFile, rerankLayers, I2lModel, insertTrigger, createPipeline, trainLora, trainingProgressBar, sampleImageTensor, CLI_NAME];
export type Used = [PipelineConfig, TrainingConfig, I2lTargetTable];
`;

const TSCONFIGS: Record<string, { module: string; moduleResolution: string; lib: string[]; types: string[] }> = {
  'bundler-dom': { module: 'esnext', moduleResolution: 'bundler', lib: ['ES2022', 'DOM'], types: [] },
  'node16-dom': { module: 'node16', moduleResolution: 'node16', lib: ['ES2022', 'DOM'], types: [] },
  'node16-node': { module: 'node16', moduleResolution: 'node16', lib: ['ES2022'], types: ['node'] },
};

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'loraflow-packed-'));
  try {
    const tarballs = join(dir, 'tarballs');
    const project = join(dir, 'consumer');
    await mkdir(tarballs);
    await mkdir(project);
    const packed = await packAll(tarballs);
    // Overrides point the packages' dependencies on each other at the tarballs too (0.1.0 is not published).
    const files = Object.fromEntries([...packed].map(([name, { tarball }]) => [name, `file:${tarball}`]));
    await writeFile(join(project, 'package.json'), JSON.stringify({
      name: 'loraflow-consumer', private: true, type: 'module',
      dependencies: files,
      devDependencies: { typescript: OPTIONS.typescript, '@types/node': OPTIONS.typesNode },
      pnpm: { overrides: files, onlyBuiltDependencies: [] },
    }, null, 2));
    const started = performance.now();
    await sh('pnpm', ['install', '--prefer-offline', '--ignore-workspace', '--config.confirmModulesPurge=false'], project, { npm_config_workspace_dir: project });
    const installSeconds = (performance.now() - started) / 1000;
    // The consumer's footprint: everything but the type-check tools this test adds.
    const du = await sh('du', ['-sk', '--exclude=typescript*', '--exclude=@types+node*', '--exclude=undici-types*', 'node_modules'], project);
    const installMb = Number(du.split(/\s/)[0]) / 1024;

    const specs = specifiers(packed);
    await writeFile(join(project, 'check.mjs'), ESM_CHECK(specs));
    for (const conditions of [[], ['--conditions=development']]) {
      const out = await sh(process.execPath, [...conditions, 'check.mjs'], project, { LORAFLOW_DEVICE: '' });
      console.log(`  ok   ESM ${conditions.join(' ') || '(default conditions)'}: ${out.trim().split('\n').pop()}`);
    }
    const help = await sh(join(project, 'node_modules', '.bin', 'loraflow'), ['--help'], project);
    if (!/Usage: loraflow/.test(help)) throw new Error(`loraflow --help printed:\n${help}`);
    console.log('  ok   the loraflow binary runs (--help)');

    await writeFile(join(project, 'check.ts'), TYPE_CHECK);
    for (const [name, options] of Object.entries(TSCONFIGS)) {
      const compilerOptions = { ...options, target: 'es2022', strict: true, noEmit: true, skipLibCheck: false };
      await writeFile(join(project, `tsconfig.${name}.json`), JSON.stringify({ compilerOptions, files: ['check.ts'] }, null, 2));
      await sh(process.execPath, [join(project, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', `tsconfig.${name}.json`], project);
      console.log(`  ok   TypeScript, moduleResolution ${options.moduleResolution}, lib ${options.lib.join('+')}, ${options.types.length ? 'with' : 'no'} @types/node`);
    }
    console.log(`packed packages passed: ${packed.size} tarballs installed from the store in ${installSeconds.toFixed(1)} s; install without typescript and @types/node: ${installMb.toFixed(1)} MB`);
  } finally {
    if (OPTIONS.keep) console.log(`kept ${dir}`);
    else await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`packed packages FAILED: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
