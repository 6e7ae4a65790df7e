import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { captionDataset, geminiCaptioner, insertTrigger, ollamaCaptioner, openAiCaptioner, type CaptionEvent, type Captioner } from '@loraflow/captioning';
import { fakeCaption, startFakeServer, type FakeApi, type FakeServer, type Fault } from './fake-vlm-server.js';
import { uncaptionedScenes } from './scene-folder.js';

const TRIGGER = 'mybg, a 2D side scrolling background';
const servers: FakeServer[] = [];
afterEach(async () => { await Promise.all(servers.splice(0).map((s) => s.close())); });

async function serve(options: Parameters<typeof startFakeServer>[0]): Promise<FakeServer> {
  const s = await startFakeServer(options);
  servers.push(s);
  return s;
}

function captionerFor(api: FakeApi, url: string): Captioner {
  if (api === 'openai') return openAiCaptioner({ baseUrl: url, model: 'vlm-test', apiKey: 'k' });
  if (api === 'gemini') return geminiCaptioner({ baseUrl: url, model: 'gemini-test', apiKey: 'k' });
  return ollamaCaptioner({ baseUrl: url, model: 'llava-test' });
}

async function leftoverTempFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((f) => f.includes('.loraflow-tmp-') || f.endsWith('.tmp'));
}

const FAST = { retries: 3, baseDelayMs: 5, maxDelayMs: 50, timeoutMs: 400 };

describe.each(['openai', 'gemini', 'ollama'] as const)('captionDataset over %s', (api) => {
  it('recovers from 429, 500, 503, slow replies, malformed JSON and empty replies, and cleans preambles', async () => {
    const { dir, hashes } = await uncaptionedScenes(8);
    const paths = [...hashes.keys()];
    const firstFault: Fault[] = ['429', '500', '503', 'slow', 'malformed', 'empty', 'preamble', 'ok'];
    const faultOf = new Map(paths.map((p, i) => [hashes.get(p)!, firstFault[i]]));
    const server = await serve({ api, slowMs: 3000, plan: (hash, attempt) => (attempt === 0 ? faultOf.get(hash)! : 'ok') });
    const events: CaptionEvent[] = [];
    const summary = await captionDataset(dir, { captioner: captionerFor(api, server.url), trigger: TRIGGER, concurrency: 3, ...FAST, onEvent: (e) => events.push(e) });
    expect(summary.failed).toEqual([]);
    expect(summary.captioned.map((c) => c.path)).toEqual(paths);
    for (const path of paths) {
      const text = (await readFile(join(dir, path.replace(/\.png$/, '.txt')), 'utf8')).trim();
      expect(text).toBe(insertTrigger(fakeCaption(hashes.get(path)!), TRIGGER));
      expect(text.startsWith(`${TRIGGER}, a calm side view`)).toBe(true);
    }
    const reasons = events.filter((e) => e.type === 'retry').map((e) => (e as { reason: string }).reason);
    expect(reasons.some((r) => /timed out after 400 ms/.test(r))).toBe(true);
    const retried = events.filter((e) => e.type === 'retry').map((e) => (e as { path: string }).path).sort();
    expect(retried).toEqual(paths.slice(0, 6).sort());
    expect(await leftoverTempFiles(dir)).toEqual([]);
  });

  it('fails only the image the server rejects, with the reason, and writes the rest', async () => {
    const { dir, hashes } = await uncaptionedScenes(4);
    const [bad, ...good] = [...hashes.keys()];
    const server = await serve({ api, plan: (hash) => (hash === hashes.get(bad) ? '400' : 'ok') });
    const summary = await captionDataset(dir, { captioner: captionerFor(api, server.url), trigger: TRIGGER, ...FAST });
    expect(summary.failed).toEqual([{ path: bad, reason: expect.stringMatching(/HTTP 400/) }]);
    expect(summary.captioned.map((c) => c.path)).toEqual(good);
    await expect(stat(join(dir, bad.replace(/\.png$/, '.txt')))).rejects.toThrow(/ENOENT/);
    // A 400 is not retried: exactly one request for the bad image.
    expect(server.requests.filter((r) => r.imageHash === hashes.get(bad))).toHaveLength(1);
  });

  it('gives up after the retry budget on a server that keeps failing', async () => {
    const { dir, hashes } = await uncaptionedScenes(2);
    const [bad, good] = [...hashes.keys()];
    const server = await serve({ api, plan: (hash) => (hash === hashes.get(bad) ? '500' : 'ok') });
    const summary = await captionDataset(dir, { captioner: captionerFor(api, server.url), ...FAST, retries: 2 });
    expect(summary.failed.map((f) => f.path)).toEqual([bad]);
    expect(summary.captioned.map((c) => c.path)).toEqual([good]);
    expect(server.requests.filter((r) => r.imageHash === hashes.get(bad))).toHaveLength(3);
  });

  it('loses nothing when the server dies mid-run, and the next run resumes where it stopped', async () => {
    const { dir, hashes } = await uncaptionedScenes(8);
    const paths = [...hashes.keys()];
    let served = 0;
    const first = await serve({ api, plan: () => (++served > 3 ? 'die' : 'ok') });
    const run1 = await captionDataset(dir, { captioner: captionerFor(api, first.url), trigger: TRIGGER, concurrency: 1, ...FAST, retries: 1 });
    expect(run1.captioned.map((c) => c.path)).toEqual(paths.slice(0, 3));
    expect(run1.failed.map((f) => f.path)).toEqual(paths.slice(3));
    for (const f of run1.failed) expect(f.reason).toMatch(/connection failed|reply cut off/);
    const before = await Promise.all(paths.slice(0, 3).map((p) => readFile(join(dir, p.replace(/\.png$/, '.txt')), 'utf8')));
    expect(await leftoverTempFiles(dir)).toEqual([]);

    const second = await serve({ api, port: first.port });
    const run2 = await captionDataset(dir, { captioner: captionerFor(api, second.url), trigger: TRIGGER, concurrency: 2, ...FAST });
    expect(run2.skipped).toEqual(paths.slice(0, 3));
    expect(run2.captioned.map((c) => c.path)).toEqual(paths.slice(3));
    expect(run2.failed).toEqual([]);
    // Already-captioned images were not sent again, and their files are untouched.
    expect(new Set(second.requests.map((r) => r.imageHash))).toEqual(new Set(paths.slice(3).map((p) => hashes.get(p))));
    const after = await Promise.all(paths.slice(0, 3).map((p) => readFile(join(dir, p.replace(/\.png$/, '.txt')), 'utf8')));
    expect(after).toEqual(before);
    for (const p of paths) expect(await readFile(join(dir, p.replace(/\.png$/, '.txt')), 'utf8')).toContain(hashes.get(p)!);
  });
});

describe('captionDataset options', () => {
  it('skips captioned images unless overwrite, and treats an empty caption file as missing', async () => {
    const { dir, hashes } = await uncaptionedScenes(3);
    const [a, b, c] = [...hashes.keys()];
    await writeFile(join(dir, a.replace(/\.png$/, '.txt')), 'hand-written caption');
    await writeFile(join(dir, b.replace(/\.png$/, '.txt')), '  \n');
    const server = await serve({ api: 'openai' });
    const run = await captionDataset(dir, { captioner: captionerFor('openai', server.url), ...FAST });
    expect(run.skipped).toEqual([a]);
    expect(run.captioned.map((x) => x.path)).toEqual([b, c]);
    expect(await readFile(join(dir, a.replace(/\.png$/, '.txt')), 'utf8')).toBe('hand-written caption');
    const again = await captionDataset(dir, { captioner: captionerFor('openai', server.url), overwrite: true, ...FAST });
    expect(again.captioned.map((x) => x.path)).toEqual([a, b, c]);
    expect(await readFile(join(dir, a.replace(/\.png$/, '.txt')), 'utf8')).toContain(hashes.get(a)!);
  });

  it('dry run sends nothing, writes nothing and shows the rendered prompt', async () => {
    const { dir, hashes } = await uncaptionedScenes(2);
    const server = await serve({ api: 'openai' });
    const before = (await readdir(dir)).sort();
    const run = await captionDataset(dir, { captioner: captionerFor('openai', server.url), dryRun: true, prompt: 'Caption {name} for {trigger}.', trigger: 'zz' });
    expect(server.requests).toEqual([]);
    expect((await readdir(dir)).sort()).toEqual(before);
    expect(run.planned.map((p) => p.prompt)).toEqual([...hashes.keys()].map((p) => `Caption ${p} for zz.`));
  });

  it('keeps at most `concurrency` requests in flight', async () => {
    const { dir } = await uncaptionedScenes(8);
    const server = await serve({ api: 'ollama', okDelayMs: 60 });
    await captionDataset(dir, { captioner: captionerFor('ollama', server.url), concurrency: 3, ...FAST });
    expect(server.maxInFlight()).toBe(3);
  });

  it('waits the Retry-After a 429 asks for', async () => {
    const { dir } = await uncaptionedScenes(1);
    const server = await serve({ api: 'gemini', retryAfter: '1', plan: (_, attempt) => (attempt === 0 ? '429' : 'ok') });
    const delays: number[] = [];
    await captionDataset(dir, {
      captioner: captionerFor('gemini', server.url), retries: 2, baseDelayMs: 5, maxDelayMs: 5000,
      onEvent: (e) => { if (e.type === 'retry') delays.push(e.delayMs); },
    });
    expect(delays).toEqual([1000]);
  });

  it('caps caption length at a word boundary', async () => {
    const { dir } = await uncaptionedScenes(1);
    const server = await serve({ api: 'openai' });
    const run = await captionDataset(dir, { captioner: captionerFor('openai', server.url), maxLength: 40, ...FAST });
    const caption = run.captioned[0].caption;
    expect(caption.length).toBeLessThanOrEqual(40);
    expect(fakeCaption('x').startsWith(caption)).toBe(true);
    expect(fakeCaption('x')[caption.length]).toMatch(/[ ,]/);
  });
});

describe('captionDataset cancellation', () => {
  it('a cancelled run reports the rest as cancelled and keeps what was written', async () => {
    const { dir, hashes } = await uncaptionedScenes(4);
    const paths = [...hashes.keys()];
    const controller = new AbortController();
    const server = await serve({ api: 'openai' });
    const summary = await captionDataset(dir, {
      captioner: captionerFor('openai', server.url), concurrency: 1, ...FAST, signal: controller.signal,
      onEvent: (e) => { if (e.type === 'done' && e.status === 'captioned') controller.abort(new Error('user stop')); },
    });
    expect(summary.captioned.map((c) => c.path)).toEqual([paths[0]]);
    expect(summary.failed).toEqual(paths.slice(1).map((path) => ({ path, reason: 'cancelled' })));
    expect(await readFile(join(dir, paths[0].replace(/\.png$/, '.txt')), 'utf8')).toContain(hashes.get(paths[0])!);
  });
});

describe('captionDataset authentication failures', () => {
  it('stops the run at the first 401 instead of failing every image against the server', async () => {
    const { dir } = await uncaptionedScenes(8);
    let calls = 0;
    const { createServer } = await import('node:http');
    const server = createServer((req, res) => {
      calls++;
      req.resume();
      req.on('end', () => res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'Incorrect API key provided' } })));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/v1`;
      const summary = await captionDataset(dir, { captioner: captionerFor('openai', url), concurrency: 1, ...FAST });
      expect(calls).toBe(1);
      expect(summary.failed).toHaveLength(8);
      expect(summary.failed[0].reason).toMatch(/HTTP 401.*Incorrect API key/);
      for (const f of summary.failed.slice(1)) expect(f.reason).toMatch(/^not attempted: .*HTTP 401/);
    } finally {
      server.close();
    }
  });
});
