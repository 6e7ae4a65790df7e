import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSceneDataset } from '@loraflow/datasets';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { register } from '../src/commands/caption.js';
import { runCommand } from './run-command.js';

const run = (...args: string[]) => runCommand(register, ...args);

async function scenes(count: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lf-cli-cap-'));
  await generateSceneDataset(dir, { themes: ['desert'], count, width: 64, height: 48, captions: false });
  return dir;
}

afterEach(() => { process.exitCode = 0; });

describe('loraflow caption', () => {
  it('captions with the offline backend, prints a summary and resumes on a second run', async () => {
    const dir = await scenes(3);
    const first = await run('caption', dir, '--backend', 'offline', '--trigger', 'mybg', '--no-progress');
    expect(first.exitCode).toBe(0);
    expect(first.out).toBe('offline loraflow-scene-statistics: captioned 3, skipped 0, failed 0 (0 retries)\n');
    expect(await readFile(join(dir, 'desert-00002.txt'), 'utf8')).toMatch(/^mybg, a 2D side scrolling background, desert theme, /);
    const second = await run('caption', dir, '--backend', 'offline', '--json');
    expect(JSON.parse(second.out)).toMatchObject({ captioned: [], skipped: ['desert-00000.png', 'desert-00001.png', 'desert-00002.png'] });
  });

  it('talks to an OpenAI-compatible server given by --base-url and reports failures with exit code 1', async () => {
    const dir = await scenes(2);
    let calls = 0;
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => {
        calls++;
        const model = JSON.parse(body).model;
        if (calls === 1) {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ choices: [{ index: 0, message: { role: 'assistant', content: `Here is a caption: "a dune sea (${model})"` }, finish_reason: 'stop' }] }));
        } else {
          res.writeHead(401, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { message: 'bad key' } }));
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
      const { out, exitCode } = await run('caption', dir, '--backend', 'openai', '--base-url', url, '--model', 'm1', '--concurrency', '1', '--trigger', '[x]', '--no-progress');
      expect(exitCode).toBe(1);
      expect(out).toMatch(/^openai m1: captioned 1, skipped 0, failed 1 \(0 retries\)\n {2}failed desert-00001\.png: .*HTTP 401/);
      expect((await readFile(join(dir, 'desert-00000.txt'), 'utf8')).trim()).toBe('[x], a dune sea (m1)');
    } finally {
      server.close();
    }
  });

  it('dry run lists what would be captioned and the prompt', async () => {
    const dir = await scenes(2);
    const { out } = await run('caption', dir, '--backend', 'offline', '--dry-run', '--prompt', 'Describe {name}.');
    expect(out).toBe('dry run (offline loraflow-scene-statistics): 2 to caption, 0 already captioned\n  desert-00000.png\n  desert-00001.png\nprompt: Describe desert-00000.png.\n');
  });

  it('requires a known backend', async () => {
    const dir = await scenes(1);
    await expect(run('caption', dir)).rejects.toThrow(/--backend is missing: expected one of openai, gemini, ollama, offline/);
    await expect(run('caption', dir, '--backend', 'claude')).rejects.toThrow(/--backend "claude"/);
  });

  it('review writes the HTML sheet and gives --trigger to the review, not to caption', async () => {
    const dir = await scenes(2);
    await writeFile(join(dir, 'desert-00000.txt'), 'mybg, a wide desert with dunes, mesas and a blazing sun');
    const { out } = await run('caption', 'review', dir, '--trigger', 'mybg');
    expect(out).toBe(`wrote ${join(dir, 'caption-review.html')}: 2 images, 1 flagged (missing caption: 1)\n`);
    const html = await readFile(join(dir, 'caption-review.html'), 'utf8');
    expect(html).toContain('Trigger: <code>mybg</code>');
  });
});
