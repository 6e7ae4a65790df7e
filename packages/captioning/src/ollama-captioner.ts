import { CaptioningError } from './captioning-error.js';
import type { Captioner } from './captioner.js';
import { checkHttpCaptionerOptions, HTTP_CAPTIONER_DEFAULTS, joinUrl, type HttpCaptionerOptions } from './http-captioner-options.js';
import { postJson, toBase64 } from './http-json.js';

/** Ollama's default local address. */
export const OLLAMA_DEFAULT_BASE_URL = 'http://127.0.0.1:11434';

interface OllamaChatResponse {
  message?: { content?: string };
  error?: string;
}

/** A captioner for Ollama's native `/api/chat` (non-streaming) with the image in `messages[].images` as base64. */
export function ollamaCaptioner(options: HttpCaptionerOptions): Captioner {
  checkHttpCaptionerOptions('ollamaCaptioner', options);
  const o = { ...HTTP_CAPTIONER_DEFAULTS, ...options };
  const url = joinUrl(o.baseUrl, 'api/chat');
  const label = `ollama ${url}`;
  return {
    backend: 'ollama',
    model: o.model,
    async caption({ image, prompt, signal }) {
      const body = {
        model: o.model,
        messages: [{ role: 'user', content: prompt, images: [toBase64(image.bytes)] }],
        stream: false,
        options: { temperature: o.temperature, num_predict: o.maxTokens },
      };
      const headers: Record<string, string> = o.apiKey ? { authorization: `Bearer ${o.apiKey}` } : {};
      const reply = (await postJson(url, body, { headers, signal, label })) as OllamaChatResponse;
      if (reply?.error) throw new CaptioningError(`${label}: ${reply.error}`, { retryable: false });
      const text = reply?.message?.content;
      if (!text?.trim()) throw new CaptioningError(`${label}: reply has no message.content text`, { retryable: true });
      return text;
    },
  };
}
