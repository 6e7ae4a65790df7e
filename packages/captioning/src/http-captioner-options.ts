/** Settings shared by the HTTP captioners. */
export interface HttpCaptionerOptions {
  /** Model id as the server knows it. */
  model: string;
  /** Endpoint root, e.g. `http://127.0.0.1:8000/v1` for vLLM or `http://127.0.0.1:11434` for Ollama. */
  baseUrl: string;
  /** Sent as a bearer token (OpenAI-compatible) or `x-goog-api-key` (Gemini); optional for local servers. */
  apiKey?: string;
  /** Upper bound on generated tokens (default 300: a paragraph). */
  maxTokens?: number;
  /** Sampling temperature (default 0.2: captions should be factual, not creative). */
  temperature?: number;
}

/** Defaults for the optional HTTP captioner settings. */
export const HTTP_CAPTIONER_DEFAULTS = { maxTokens: 300, temperature: 0.2 } as const;

/** Joins a base URL and a path without doubling or dropping the slash. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}
