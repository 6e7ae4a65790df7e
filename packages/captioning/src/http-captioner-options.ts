import { checkOptions, option, type OptionRule } from '@loraflow/tensor-core';
import { CaptioningError } from './captioning-error.js';

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

/** Rules for the HTTP captioner settings, shared by the three backends and createCaptioner. */
export const HTTP_CAPTIONER_RULES: Readonly<Record<string, OptionRule>> = {
  model: option.string, baseUrl: option.string, apiKey: option.string, maxTokens: option.integer({ min: 1 }), temperature: option.number({ min: 0 }),
};

/** Checks an HTTP captioner's settings (CaptioningError naming the option); model and baseUrl are required. */
export function checkHttpCaptionerOptions(where: string, options: unknown): void {
  if (options === undefined) throw new CaptioningError(`${where}: options are missing, expected an object with model and baseUrl`);
  checkOptions(where, options, HTTP_CAPTIONER_RULES, (m) => new CaptioningError(m));
  for (const key of ['model', 'baseUrl'] as const) {
    if ((options as Record<string, unknown>)[key] === undefined) throw new CaptioningError(`${where}: option "${key}" is missing, expected a string`);
  }
}
