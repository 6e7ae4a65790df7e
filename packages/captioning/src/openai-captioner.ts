import { CaptioningError } from './captioning-error.js';
import type { Captioner } from './captioner.js';
import { HTTP_CAPTIONER_DEFAULTS, joinUrl, type HttpCaptionerOptions } from './http-captioner-options.js';
import { postJson, toBase64 } from './http-json.js';

interface ChatCompletion {
  choices?: { message?: { content?: string | { type?: string; text?: string }[] | null; refusal?: string | null }; finish_reason?: string }[];
}

/**
 * A captioner for any OpenAI-compatible chat completions endpoint with image input (OpenAI, vLLM, llama.cpp
 * server, LM Studio, Ollama's /v1): one user message holding the prompt and the image as a base64 data URL.
 */
export function openAiCaptioner(options: HttpCaptionerOptions): Captioner {
  const o = { ...HTTP_CAPTIONER_DEFAULTS, ...options };
  const url = joinUrl(o.baseUrl, 'chat/completions');
  const label = `openai ${url}`;
  return {
    backend: 'openai',
    model: o.model,
    async caption({ image, prompt, signal }) {
      const body = {
        model: o.model,
        messages: [{
          role: 'user',
          content: [
            { type: 'text', text: prompt },
            { type: 'image_url', image_url: { url: `data:${image.mimeType};base64,${toBase64(image.bytes)}` } },
          ],
        }],
        max_tokens: o.maxTokens,
        temperature: o.temperature,
      };
      const headers: Record<string, string> = o.apiKey ? { authorization: `Bearer ${o.apiKey}` } : {};
      const reply = (await postJson(url, body, { headers, signal, label })) as ChatCompletion;
      const message = reply?.choices?.[0]?.message;
      if (message?.refusal) throw new CaptioningError(`${label}: model refused ${image.path}: ${message.refusal}`);
      const content = message?.content;
      const text = typeof content === 'string' ? content : Array.isArray(content) ? content.map((p) => p.text ?? '').join('') : undefined;
      if (!text?.trim()) throw new CaptioningError(`${label}: reply has no choices[0].message.content text`, { retryable: true });
      return text;
    },
  };
}
