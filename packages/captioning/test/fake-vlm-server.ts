// Local HTTP servers on 127.0.0.1 speaking the wire formats of the three caption APIs, with scripted faults.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The API a fake server speaks. */
export type FakeApi = 'openai' | 'gemini' | 'ollama';

/** What the server does with one request. */
export type Fault = 'ok' | 'preamble' | '429' | '500' | '503' | '400' | 'slow' | 'malformed' | 'empty' | 'die';

/** A request as the server saw it. */
export interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: any;
  /** sha256 prefix of the image bytes the request carried. */
  imageHash: string;
}

export interface FakeServerOptions {
  api: FakeApi;
  /** Fault for the n-th attempt (0-based) of the image with this hash (default: always ok). */
  plan?: (imageHash: string, attempt: number) => Fault;
  /** How long a 'slow' reply waits. */
  slowMs?: number;
  /** Retry-After header value sent with 429. */
  retryAfter?: string;
  /** Listen on this port (to restart a dead server at the same address). */
  port?: number;
  /** Delay before every normal reply, to observe concurrency. */
  okDelayMs?: number;
  /** OpenAI only: answer like newer models that refuse `max_tokens` and non-default `temperature`. */
  modernOpenAiOnly?: boolean;
}

export interface FakeServer {
  readonly url: string;
  readonly port: number;
  readonly requests: SeenRequest[];
  /** Most requests that were open at the same time. */
  readonly maxInFlight: () => number;
  close(): Promise<void>;
}

/** Short hash used to tie a caption to the image bytes it was made from. */
export function imageHash(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 12);
}

/** The caption the fake model returns for an image (before any preamble decoration). */
export function fakeCaption(hash: string): string {
  return `a calm side view landscape with layered hills and a soft sky, image ${hash}`;
}

function imageFrom(api: FakeApi, body: any): string | undefined {
  if (api === 'openai') {
    const part = body?.messages?.[0]?.content?.find?.((p: any) => p.type === 'image_url');
    const url: string | undefined = part?.image_url?.url;
    return url?.startsWith('data:image/') ? url.slice(url.indexOf(',') + 1) : undefined;
  }
  if (api === 'gemini') {
    const part = body?.contents?.[0]?.parts?.find?.((p: any) => p.inline_data || p.inlineData);
    return (part?.inline_data ?? part?.inlineData)?.data;
  }
  return body?.messages?.[0]?.images?.[0];
}

function okBody(api: FakeApi, model: string, text: string): unknown {
  if (api === 'openai') {
    return {
      id: 'chatcmpl-test', object: 'chat.completion', created: 1700000000, model,
      choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120 },
    };
  }
  if (api === 'gemini') {
    return {
      candidates: [{ content: { parts: [{ text }], role: 'model' }, finishReason: 'STOP', index: 0 }],
      usageMetadata: { promptTokenCount: 100, candidatesTokenCount: 20, totalTokenCount: 120 }, modelVersion: model,
    };
  }
  return { model, created_at: '2026-01-01T00:00:00Z', message: { role: 'assistant', content: text }, done: true, done_reason: 'stop' };
}

function errorBody(api: FakeApi, status: number, message: string): unknown {
  if (api === 'openai') return { error: { message, type: 'server_error', code: status === 429 ? 'rate_limit_exceeded' : null } };
  if (api === 'gemini') return { error: { code: status, message, status: status === 429 ? 'RESOURCE_EXHAUSTED' : 'INTERNAL' } };
  return { error: message };
}

function expectedPath(api: FakeApi): string {
  if (api === 'openai') return '/v1/chat/completions';
  if (api === 'gemini') return '/v1beta/models/gemini-test:generateContent';
  return `/api/chat`;
}

/** Starts a fake server; `url` is the base URL to hand to the captioner. */
export async function startFakeServer(options: FakeServerOptions): Promise<FakeServer> {
  const { api, plan = () => 'ok', slowMs = 2000, retryAfter = '0' } = options;
  const requests: SeenRequest[] = [];
  const attempts = new Map<string, number>();
  let server: Server;
  let inFlight = 0, maxInFlight = 0;
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    res.on('close', () => { inFlight--; });
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: any;
      try { body = JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch { body = undefined; }
      const b64 = imageFrom(api, body);
      const hash = b64 ? imageHash(Buffer.from(b64, 'base64')) : 'none';
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, imageHash: hash });
      const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(value));
      };
      if (req.method !== 'POST' || req.url !== expectedPath(api) || !b64) {
        json(400, errorBody(api, 400, `bad request: ${req.method} ${req.url}`));
        return;
      }
      if (api === 'openai' && options.modernOpenAiOnly && ('max_tokens' in body || 'temperature' in body)) {
        json(400, { error: { message: "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.", type: 'invalid_request_error', param: 'max_tokens', code: 'unsupported_parameter' } });
        return;
      }
      const attempt = attempts.get(hash) ?? 0;
      attempts.set(hash, attempt + 1);
      const fault = plan(hash, attempt);
      const model = api === 'gemini' ? 'gemini-test' : body.model;
      switch (fault) {
        case 'ok':
          if (options.okDelayMs) { setTimeout(() => json(200, okBody(api, model, fakeCaption(hash))), options.okDelayMs); return; }
          return json(200, okBody(api, model, fakeCaption(hash)));
        case 'preamble': return json(200, okBody(api, model, `Sure! Here's a caption for the image:\n\n"${fakeCaption(hash)}"\n\nLet me know if you need anything else.`));
        case '429': return json(429, errorBody(api, 429, 'rate limited'), { 'retry-after': retryAfter });
        case '500': return json(500, errorBody(api, 500, 'internal error'));
        case '503': return json(503, errorBody(api, 503, 'overloaded'));
        case '400': return json(400, errorBody(api, 400, 'invalid image'));
        case 'empty': return json(200, okBody(api, model, '   '));
        case 'malformed':
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{"choices": [{"message": {"content": "trunc');
          return;
        case 'slow':
          setTimeout(() => { if (!res.destroyed) json(200, okBody(api, model, fakeCaption(hash))); }, slowMs).unref();
          return;
        case 'die':
          req.socket.destroy();
          server.close();
          server.closeAllConnections();
          return;
      }
    });
  };
  server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const root = `http://127.0.0.1:${port}`;
  const url = api === 'openai' ? `${root}/v1` : api === 'gemini' ? `${root}/v1beta` : root;
  return {
    url, port, requests,
    maxInFlight: () => maxInFlight,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      if (!server.listening) { resolve(); return; }
      server.close(() => resolve());
    }),
  };
}
