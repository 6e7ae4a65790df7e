/**
 * The doc test: runs the code blocks of the site's pages and of the package READMEs, so a snippet that
 * throws fails CI. Rules (see docs/internals/index.md):
 * - a docs page's `ts` / `sh` block is marked `run` (executed) or `no-run <reason>` (the page shows why);
 * - every TypeScript block of a package README runs;
 * - `file=<name>` blocks are written into the page's scratch folder before the next block runs.
 * Each page runs top to bottom in its own scratch folder under docs/.doctest/ (inside the repository, so
 * `@loraflow/*` imports resolve to source through the vitest aliases), holding a link to models/ and the
 * LoRA files of lora-fixtures.ts. TypeScript runs in this process; shell runs in bash with `loraflow` on
 * PATH (the CLI from source). `<!-- doctest: servers=openai,gemini,ollama -->` starts captioning's local
 * fake servers for the page and points the captioners' environment variables at them.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, copyFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultDevice, setDefaultDevice, type Device } from '@loraflow/tensor-core';
import { SH_LANGS, TS_LANGS } from '../.vitepress/fence-info';
import { startFakeServer, type FakeApi, type FakeServer } from '../../packages/captioning/test/fake-vlm-server';
import { markdownBlocks } from './markdown-blocks';
import { LORA_FIXTURES, writeLoraFixtures } from './lora-fixtures';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const scratchRoot = join(repo, 'docs/.doctest');
const fixtureDir = join(scratchRoot, '_fixtures');
const binDir = join(scratchRoot, '_bin');

/** Site pages (not the generated API reference) and package READMEs. */
function sources(): string[] {
  const pages: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.') || entry.name === 'api' || entry.name === 'node_modules' || entry.name === 'test') continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.md')) pages.push(path);
    }
  };
  walk(join(repo, 'docs'));
  const readmes = readdirSync(join(repo, 'packages'))
    .map((name) => join(repo, 'packages', name, 'README.md'))
    .filter((path) => existsSync(path));
  return [...pages.sort(), ...readmes.sort()];
}

const isReadme = (path: string) => path.endsWith('README.md');

beforeAll(async () => {
  mkdirSync(fixtureDir, { recursive: true });
  await writeLoraFixtures(fixtureDir, join(repo, 'models/base/transformer.safetensors'));
  mkdirSync(binDir, { recursive: true });
  const shim = join(binDir, 'loraflow');
  writeFileSync(shim, `#!/usr/bin/env bash\nexec node --conditions=development --import tsx "${join(repo, 'packages/cli/src/main.ts')}" "$@"\n`);
  chmodSync(shim, 0o755);
});

for (const source of sources()) {
  const name = relative(repo, source);
  const text = readFileSync(source, 'utf8');
  const blocks = markdownBlocks(text);
  const code = blocks.filter((b) => TS_LANGS.has(b.lang) || SH_LANGS.has(b.lang));
  const runnable = blocks.filter((b) => b.run || b.file);
  const servers = (/\x3c!--\s*doctest:.*servers=([\w,]+)/.exec(text)?.[1] ?? '').split(',').filter(Boolean) as FakeApi[];

  describe(name, () => {
    it('marks every code block run or no-run with a reason', () => {
      for (const block of code) {
        const where = `${name}:${block.line}`;
        if (isReadme(source) && TS_LANGS.has(block.lang)) expect(block.run, `${where}: README TypeScript blocks must be "ts run"`).toBe(true);
        if (!isReadme(source)) expect(block.run || !!block.noRunReason, `${where}: mark the block "run" or "no-run <reason>"`).toBe(true);
      }
    });
    if (runnable.length === 0) return;

    const scratch = join(scratchRoot, name.replace(/[/.]/g, '_'));
    const started: FakeServer[] = [];
    const savedEnv = { ...process.env };
    let savedDevice: Device;
    const blockEnv: Record<string, string> = {};
    beforeAll(async () => {
      savedDevice = defaultDevice(); // pages are separate programs: one page's getDevice() must not move the next page's tensors
      rmSync(scratch, { recursive: true, force: true });
      mkdirSync(scratch, { recursive: true });
      symlinkSync(join(repo, 'models'), join(scratch, 'models'));
      for (const file of Object.keys(LORA_FIXTURES)) copyFileSync(join(fixtureDir, file), join(scratch, file));
      for (const api of servers) {
        const server = await startFakeServer({ api });
        started.push(server);
        if (api === 'openai') Object.assign(blockEnv, { OPENAI_BASE_URL: server.url, OPENAI_API_KEY: 'sk-doctest' });
        if (api === 'gemini') Object.assign(blockEnv, { GEMINI_BASE_URL: server.url, GEMINI_API_KEY: 'doctest-key', GEMINI_MODEL: 'gemini-test' });
        if (api === 'ollama') Object.assign(blockEnv, { OLLAMA_HOST: server.url });
      }
      Object.assign(process.env, blockEnv);
    });
    afterAll(async () => {
      process.env = savedEnv;
      setDefaultDevice(savedDevice);
      await Promise.all(started.map((s) => s.close()));
    });

    for (const block of runnable) {
      it(`${block.file ? `writes ${block.file}` : `runs the ${block.lang} block`} at line ${block.line}`, async () => {
        if (block.file) {
          writeFileSync(join(scratch, block.file), block.code);
          if (!block.run) return;
        }
        if (TS_LANGS.has(block.lang)) {
          const file = join(scratch, `block-${block.line}.ts`);
          writeFileSync(file, block.code);
          const cwd = process.cwd();
          process.chdir(scratch);
          try {
            await import(pathToFileURL(file).href);
          } finally {
            process.chdir(cwd);
          }
        } else if (SH_LANGS.has(block.lang)) {
          // Asynchronous, so the fake servers living in this process keep answering while the CLI runs.
          const child = spawn('bash', ['-euo', 'pipefail', '-c', block.code], {
            cwd: scratch,
            env: { ...process.env, ...blockEnv, PATH: `${binDir}:${process.env.PATH}`, CI: '1' },
            timeout: 240_000,
          });
          let output = '';
          child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString(); });
          child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString(); });
          const [status, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('close', (code, sig) => resolve([code, sig])));
          const tail = output.trim().split('\n').slice(-30).join('\n');
          expect(status, `${name}:${block.line} exited ${status}${signal ? ` (${signal})` : ''}:\n${tail}`).toBe(0);
        } else if (block.run) {
          throw new Error(`${name}:${block.line}: "run" on a ${block.lang} block: only ts/js and sh blocks can run`);
        }
      });
    }
  });
}
