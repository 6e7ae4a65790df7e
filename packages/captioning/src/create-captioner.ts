import { checkOptions, option } from '@loraflow/tensor-core';
import type { Captioner } from './captioner.js';
import { CaptioningError } from './captioning-error.js';
import { GEMINI_DEFAULT_BASE_URL, geminiCaptioner } from './gemini-captioner.js';
import { HTTP_CAPTIONER_RULES } from './http-captioner-options.js';
import { offlineCaptioner } from './offline-captioner.js';
import { OLLAMA_DEFAULT_BASE_URL, ollamaCaptioner } from './ollama-captioner.js';
import { openAiCaptioner } from './openai-captioner.js';

/** Backends createCaptioner knows. */
export const CAPTION_BACKENDS = ['openai', 'gemini', 'ollama', 'offline'] as const;

/** A backend name. */
export type CaptionBackend = (typeof CAPTION_BACKENDS)[number];

/** Backend choice; unset fields come from the environment, then from the backend's defaults. */
export interface CreateCaptionerOptions {
  backend: CaptionBackend;
  model?: string;
  baseUrl?: string;
  apiKey?: string;
  maxTokens?: number;
  temperature?: number;
}

const BACKEND_DEFAULTS: Record<Exclude<CaptionBackend, 'offline'>, { baseUrl: string; model: string; urlEnv: string[]; keyEnv: string[]; modelEnv: string[] }> = {
  openai: { baseUrl: 'https://api.openai.com/v1', model: 'gpt-4o-mini', urlEnv: ['OPENAI_BASE_URL'], keyEnv: ['OPENAI_API_KEY'], modelEnv: ['OPENAI_MODEL'] },
  gemini: { baseUrl: GEMINI_DEFAULT_BASE_URL, model: 'gemini-2.5-flash', urlEnv: ['GEMINI_BASE_URL'], keyEnv: ['GEMINI_API_KEY', 'GOOGLE_API_KEY'], modelEnv: ['GEMINI_MODEL'] },
  ollama: { baseUrl: OLLAMA_DEFAULT_BASE_URL, model: 'qwen2.5vl', urlEnv: ['OLLAMA_HOST'], keyEnv: [], modelEnv: ['OLLAMA_MODEL'] },
};

function fromEnv(env: Record<string, string | undefined>, names: string[]): string | undefined {
  for (const n of names) if (env[n]) return env[n];
  return undefined;
}

function withScheme(url: string): string {
  // OLLAMA_HOST is often set as "host:port" without a scheme.
  return /^[a-z]+:\/\//i.test(url) ? url : `http://${url}`;
}

/**
 * Builds a captioner. Settings come from options, then LORAFLOW_CAPTION_BASE_URL / _MODEL / _API_KEY, then the
 * backend's own variables (OPENAI_BASE_URL, OPENAI_API_KEY; GEMINI_API_KEY or GOOGLE_API_KEY; OLLAMA_HOST), then defaults.
 */
export function createCaptioner(options: CreateCaptionerOptions, env: Record<string, string | undefined> = process.env): Captioner {
  if (options === undefined) throw new CaptioningError(`createCaptioner: options are missing, expected an object with backend (${CAPTION_BACKENDS.join(', ')})`);
  checkOptions('createCaptioner', options, { backend: option.oneOf(CAPTION_BACKENDS), ...HTTP_CAPTIONER_RULES }, (m) => new CaptioningError(m));
  if (options.backend === undefined) throw new CaptioningError(`createCaptioner: option "backend" is missing, expected one of ${CAPTION_BACKENDS.join(', ')}`);
  if (options.backend === 'offline') return offlineCaptioner();
  const d = BACKEND_DEFAULTS[options.backend];
  const baseUrl = withScheme(options.baseUrl ?? env.LORAFLOW_CAPTION_BASE_URL ?? fromEnv(env, d.urlEnv) ?? d.baseUrl);
  const model = options.model ?? env.LORAFLOW_CAPTION_MODEL ?? fromEnv(env, d.modelEnv) ?? d.model;
  const apiKey = options.apiKey ?? env.LORAFLOW_CAPTION_API_KEY ?? fromEnv(env, d.keyEnv);
  const settings = { baseUrl, model, apiKey, maxTokens: options.maxTokens, temperature: options.temperature };
  const clean = Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined)) as typeof settings;
  if (options.backend === 'gemini' && !apiKey && baseUrl === GEMINI_DEFAULT_BASE_URL) {
    throw new CaptioningError('gemini: no API key; set GEMINI_API_KEY (or GOOGLE_API_KEY) or pass --api-key');
  }
  if (options.backend === 'openai' && !apiKey && baseUrl === BACKEND_DEFAULTS.openai.baseUrl) {
    throw new CaptioningError('openai: no API key for api.openai.com; set OPENAI_API_KEY, pass --api-key, or point --base-url at a local server');
  }
  return options.backend === 'openai' ? openAiCaptioner(clean) : options.backend === 'gemini' ? geminiCaptioner(clean) : ollamaCaptioner(clean);
}
