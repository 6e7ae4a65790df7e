import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCaptioner, geminiCaptioner, loadCaptionImage, ollamaCaptioner, openAiCaptioner, type Captioner } from '@loraflow/captioning';
import { fakeCaption, imageHash, startFakeServer, type FakeApi, type FakeServer } from './fake-vlm-server.js';
import { uncaptionedScenes } from './scene-folder.js';

let server: FakeServer | undefined;
afterEach(async () => { await server?.close(); server = undefined; });

function captionerFor(api: FakeApi, url: string): Captioner {
  const o = { baseUrl: url, apiKey: 'sk-test-123', maxTokens: 77, temperature: 0.1 };
  if (api === 'openai') return openAiCaptioner({ ...o, model: 'vlm-test' });
  if (api === 'gemini') return geminiCaptioner({ ...o, model: 'gemini-test' });
  return ollamaCaptioner({ ...o, model: 'llava-test' });
}

describe.each(['openai', 'gemini', 'ollama'] as const)('%s wire format', (api) => {
  it('sends the documented request shape and reads the documented reply', async () => {
    server = await startFakeServer({ api });
    const { dir } = await uncaptionedScenes(1);
    const file = join(dir, 'desert-00000.png');
    const bytes = await readFile(file);
    const image = await loadCaptionImage(file, 'desert-00000.png');
    expect(image.mimeType).toBe('image/png');
    const text = await captionerFor(api, server.url).caption({ image, prompt: 'Describe it.', signal: AbortSignal.timeout(5000) });
    expect(text).toBe(fakeCaption(imageHash(bytes)));
    const [req] = server.requests;
    const b64 = Buffer.from(bytes).toString('base64');
    expect(req.headers['content-type']).toBe('application/json');
    if (api === 'openai') {
      expect(req.path).toBe('/v1/chat/completions');
      expect(req.headers.authorization).toBe('Bearer sk-test-123');
      expect(req.body).toEqual({
        model: 'vlm-test',
        messages: [{ role: 'user', content: [{ type: 'text', text: 'Describe it.' }, { type: 'image_url', image_url: { url: `data:image/png;base64,${b64}` } }] }],
        max_tokens: 77, temperature: 0.1,
      });
    } else if (api === 'gemini') {
      expect(req.path).toBe('/v1beta/models/gemini-test:generateContent');
      expect(req.headers['x-goog-api-key']).toBe('sk-test-123');
      expect(req.body).toEqual({
        contents: [{ role: 'user', parts: [{ text: 'Describe it.' }, { inline_data: { mime_type: 'image/png', data: b64 } }] }],
        generationConfig: { maxOutputTokens: 77, temperature: 0.1 },
      });
    } else {
      expect(req.path).toBe('/api/chat');
      expect(req.body).toEqual({
        model: 'llava-test', messages: [{ role: 'user', content: 'Describe it.', images: [b64] }], stream: false,
        options: { temperature: 0.1, num_predict: 77 },
      });
    }
  });

  it('marks 429 and 500 retryable with the Retry-After delay, and 400 not retryable', async () => {
    let fault: '429' | '500' | '400' = '429';
    server = await startFakeServer({ api, plan: () => fault, retryAfter: '7' });
    const { dir } = await uncaptionedScenes(1);
    const image = await loadCaptionImage(join(dir, 'desert-00000.png'), 'desert-00000.png');
    const call = () => captionerFor(api, server!.url).caption({ image, prompt: 'p', signal: AbortSignal.timeout(5000) });
    await expect(call()).rejects.toMatchObject({ retryable: true, status: 429, retryAfterMs: 7000 });
    fault = '500';
    await expect(call()).rejects.toMatchObject({ retryable: true, status: 500 });
    fault = '400';
    await expect(call()).rejects.toMatchObject({ retryable: false, status: 400 });
  });

  it('marks malformed JSON, empty replies and timeouts retryable', async () => {
    let fault: 'malformed' | 'empty' | 'slow' = 'malformed';
    server = await startFakeServer({ api, plan: () => fault, slowMs: 3000 });
    const { dir } = await uncaptionedScenes(1);
    const image = await loadCaptionImage(join(dir, 'desert-00000.png'), 'desert-00000.png');
    const call = (ms: number) => captionerFor(api, server!.url).caption({ image, prompt: 'p', signal: AbortSignal.timeout(ms) });
    await expect(call(5000)).rejects.toMatchObject({ retryable: true, message: expect.stringMatching(/malformed JSON/) });
    fault = 'empty';
    await expect(call(5000)).rejects.toMatchObject({ retryable: true, message: expect.stringMatching(/no .*text/) });
    fault = 'slow';
    await expect(call(200)).rejects.toMatchObject({ retryable: true, message: expect.stringMatching(/timed out|aborted/i) });
  });
});

describe('openai parameter fallback', () => {
  it('switches to max_completion_tokens without temperature after the first 400 that asks for it', async () => {
    server = await startFakeServer({ api: 'openai', modernOpenAiOnly: true });
    const { dir } = await uncaptionedScenes(1);
    const file = join(dir, 'desert-00000.png');
    const image = await loadCaptionImage(file, 'desert-00000.png');
    const captioner = captionerFor('openai', server.url);
    for (let i = 0; i < 2; i++) {
      expect(await captioner.caption({ image, prompt: 'p', signal: AbortSignal.timeout(5000) })).toBe(fakeCaption(imageHash(await readFile(file))));
    }
    expect(server.requests.map((r) => [r.body.max_tokens, r.body.max_completion_tokens, r.body.temperature])).toEqual([
      [77, undefined, 0.1], [undefined, 77, undefined], [undefined, 77, undefined],
    ]);
  });
});

describe('createCaptioner', () => {
  it('reads base URL, model and key from the environment', async () => {
    server = await startFakeServer({ api: 'openai' });
    const captioner = createCaptioner({ backend: 'openai' }, { OPENAI_BASE_URL: server.url, OPENAI_API_KEY: 'env-key', LORAFLOW_CAPTION_MODEL: 'm-env' });
    expect(captioner.model).toBe('m-env');
    const { dir } = await uncaptionedScenes(1);
    const image = await loadCaptionImage(join(dir, 'desert-00000.png'), 'desert-00000.png');
    await captioner.caption({ image, prompt: 'p', signal: AbortSignal.timeout(5000) });
    expect(server.requests[0].headers.authorization).toBe('Bearer env-key');
    expect(server.requests[0].body.model).toBe('m-env');
  });

  it('accepts OLLAMA_HOST without a scheme and refuses hosted APIs without a key', () => {
    expect(createCaptioner({ backend: 'ollama' }, { OLLAMA_HOST: '127.0.0.1:9' }).backend).toBe('ollama');
    expect(() => createCaptioner({ backend: 'gemini' }, {})).toThrow(/GEMINI_API_KEY/);
    expect(() => createCaptioner({ backend: 'openai' }, {})).toThrow(/OPENAI_API_KEY/);
    expect(() => createCaptioner({ backend: 'claude' as never }, {})).toThrow(/expected one of openai, gemini, ollama, offline/);
  });
});
