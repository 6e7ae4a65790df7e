import { CaptioningError } from './captioning-error.js';
import type { Captioner } from './captioner.js';
import { checkHttpCaptionerOptions, HTTP_CAPTIONER_DEFAULTS, joinUrl, type HttpCaptionerOptions } from './http-captioner-options.js';
import { postJson, toBase64 } from './http-json.js';

/** The public Gemini API root (v1beta carries generateContent for current models). */
export const GEMINI_DEFAULT_BASE_URL = 'https://generativelanguage.googleapis.com/v1beta';

interface GenerateContentResponse {
  candidates?: { content?: { parts?: { text?: string }[] }; finishReason?: string }[];
  promptFeedback?: { blockReason?: string };
}

/** A captioner for the Gemini API's `models/{model}:generateContent` with the image as `inline_data`. */
export function geminiCaptioner(options: HttpCaptionerOptions): Captioner {
  checkHttpCaptionerOptions('geminiCaptioner', options);
  // Gemini 2.5 models spend part of maxOutputTokens on thinking, so the shared 300-token default would
  // often end in MAX_TOKENS with no text; give them room unless the caller chose a limit.
  const o = { ...HTTP_CAPTIONER_DEFAULTS, maxTokens: 2048, ...options };
  const model = o.model.replace(/^models\//, '');
  const url = joinUrl(o.baseUrl, `models/${encodeURIComponent(model)}:generateContent`);
  const label = `gemini ${url}`;
  return {
    backend: 'gemini',
    model,
    async caption({ image, prompt, signal }) {
      const body = {
        contents: [{ role: 'user', parts: [{ text: prompt }, { inline_data: { mime_type: image.mimeType, data: toBase64(image.bytes) } }] }],
        generationConfig: { maxOutputTokens: o.maxTokens, temperature: o.temperature },
      };
      const headers: Record<string, string> = o.apiKey ? { 'x-goog-api-key': o.apiKey } : {};
      const reply = (await postJson(url, body, { headers, signal, label })) as GenerateContentResponse;
      if (reply?.promptFeedback?.blockReason) {
        throw new CaptioningError(`${label}: prompt for ${image.path} blocked (${reply.promptFeedback.blockReason})`);
      }
      const candidate = reply?.candidates?.[0];
      const text = candidate?.content?.parts?.map((p) => p.text ?? '').join('') ?? '';
      if (!text.trim()) {
        const hint = candidate?.finishReason === 'MAX_TOKENS' ? '; raise --max-tokens (thinking models use part of it)' : '';
        const why = candidate?.finishReason ? ` (finishReason ${candidate.finishReason}${hint})` : '';
        // A safety stop will stop again; an empty reply without a reason is worth another try.
        throw new CaptioningError(`${label}: reply has no candidates[0].content.parts text${why}`, { retryable: !candidate?.finishReason || candidate.finishReason === 'STOP' });
      }
      return text;
    },
  };
}
