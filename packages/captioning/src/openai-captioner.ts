import { CaptioningError } from './captioning-error.js';
import type { Captioner } from './captioner.js';
import { checkHttpCaptionerOptions, HTTP_CAPTIONER_DEFAULTS, joinUrl, type HttpCaptionerOptions } from './http-captioner-options.js';
import { postJson, toBase64 } from './http-json.js';

interface ChatCompletion {
  choices?: { message?: { content?: string | { type?: string; text?: string }[] | null; refusal?: string | null }; finish_reason?: string }[];
}

/**
 * A captioner for any OpenAI-compatible chat completions endpoint with image input (OpenAI, vLLM, llama.cpp
 * server, LM Studio, Ollama's /v1): one user message holding the prompt and the image as a base64 data URL.
 */
export function openAiCaptioner(options: HttpCaptionerOptions): Captioner {
  checkHttpCaptionerOptions('openAiCaptioner', options);
  const o = { ...HTTP_CAPTIONER_DEFAULTS, ...options };
  const url = joinUrl(o.baseUrl, 'chat/completions');
  const label = `openai ${url}`;
  // Newer OpenAI models reject `max_tokens` (and any temperature but the default); after the first such
  // 400 this captioner switches to `max_completion_tokens` without temperature for the rest of the run.
  let modernParams = false;
  const send = async (body: Record<string, unknown>, headers: Record<string, string>, signal: AbortSignal): Promise<ChatCompletion> => {
    const { max_tokens: maxTokens, temperature, ...rest } = body;
    const request = modernParams ? { ...rest, max_completion_tokens: maxTokens } : { ...rest, max_tokens: maxTokens, temperature };
    try {
      return (await postJson(url, request, { headers, signal, label })) as ChatCompletion;
    } catch (error) {
      const e = error as CaptioningError;
      if (modernParams || e.status !== 400 || !/max_tokens|max_completion_tokens|temperature/.test(e.message)) throw error;
      modernParams = true;
      return send(body, headers, signal);
    }
  };
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
      const reply = await send(body, headers, signal);
      const message = reply?.choices?.[0]?.message;
      if (message?.refusal) throw new CaptioningError(`${label}: model refused ${image.path}: ${message.refusal}`);
      const content = message?.content;
      const text = typeof content === 'string' ? content : Array.isArray(content) ? content.map((p) => p.text ?? '').join('') : undefined;
      if (!text?.trim()) throw new CaptioningError(`${label}: reply has no choices[0].message.content text`, { retryable: true });
      return text;
    },
  };
}
