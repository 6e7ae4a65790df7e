import { describe, expect, it } from 'vitest';
import {
  backoffDelay, captionDropout, captionFlags, CaptioningError, cleanCaption, createCaptioner, geminiCaptioner, offlineCaptioner, ollamaCaptioner, openAiCaptioner,
  prepareTrainingCaption, shuffleTags, withRetries,
} from '../src/index.js';

const refuses = (call: () => unknown, pattern: RegExp) => {
  expect(call).toThrow(CaptioningError);
  expect(call).toThrow(pattern);
};

describe('captioner options are checked like CLI flags', () => {
  it('createCaptioner names the bad option', () => {
    refuses(() => createCaptioner({ backend: 'ollama', modle: 'x' } as never, {}), /createCaptioner: unknown option "modle"/);
    refuses(() => createCaptioner({ backend: 'claude' } as never, {}), /createCaptioner: option "backend" is "claude", expected one of openai, gemini, ollama, offline/);
    refuses(() => createCaptioner({ backend: 'ollama', maxTokens: Number.NaN }, {}), /option "maxTokens" is NaN, expected an integer >= 1/);
    refuses(() => createCaptioner({ backend: 'ollama', temperature: -1 }, {}), /option "temperature" is -1, expected a number >= 0/);
    refuses(() => createCaptioner('ollama' as never, {}), /createCaptioner: options must be an object.*got "ollama"/);
    refuses(() => createCaptioner({} as never, {}), /option "backend" is missing/);
  });

  it('the HTTP backends name the bad option', () => {
    const ok = { baseUrl: 'http://127.0.0.1:9', model: 'm' };
    for (const [name, make] of [['openAiCaptioner', openAiCaptioner], ['geminiCaptioner', geminiCaptioner], ['ollamaCaptioner', ollamaCaptioner]] as const) {
      refuses(() => make({ ...ok, baseURL: 'x' } as never), new RegExp(`${name}: unknown option "baseURL"`));
      refuses(() => make({ ...ok, maxTokens: 2.5 }), /option "maxTokens" is 2.5, expected an integer >= 1/);
      refuses(() => make({ ...ok, temperature: Infinity }), /option "temperature" is Infinity/);
      refuses(() => make({ ...ok, model: 7 } as never), /option "model" is 7, expected a string/);
      refuses(() => make({ baseUrl: ok.baseUrl } as never), /option "model" is missing/);
      refuses(() => make('http://127.0.0.1:9' as never), new RegExp(`${name}: options must be an object`));
      expect(make({ ...ok, maxTokens: 10, temperature: 0 }).model).toBe('m');
    }
  });

  it('offlineCaptioner names the bad option', () => {
    refuses(() => offlineCaptioner({ sidecar: false } as never), /offlineCaptioner: unknown option "sidecar"/);
    refuses(() => offlineCaptioner({ useSidecar: 'no' } as never), /option "useSidecar" is "no", expected true or false/);
    refuses(() => offlineCaptioner('offline' as never), /offlineCaptioner: options must be an object/);
    expect(offlineCaptioner({ useSidecar: false }).backend).toBe('offline');
    expect(createCaptioner({ backend: 'offline', model: undefined }, {}).backend).toBe('offline');
  });

  it('the caption helpers name the bad option', async () => {
    const rng = { next: () => 0.25 };
    refuses(() => cleanCaption('a b', { maxLen: 3 } as never), /cleanCaption: unknown option "maxLen"; expected one of maxLength/);
    refuses(() => cleanCaption('a b', { maxLength: -1 }), /option "maxLength" is -1, expected an integer >= 0/);
    refuses(() => cleanCaption('a b', '12' as never), /cleanCaption: options must be an object/);
    refuses(() => captionFlags('a b', { minWords: Number.NaN }), /captionFlags: option "minWords" is NaN/);
    refuses(() => captionFlags('a b', { trigger: 1 } as never), /option "trigger" is 1, expected a string/);
    refuses(() => captionDropout('a', { rate: 1.5 }, rng), /captionDropout: option "rate" is 1.5, expected a number >= 0 <= 1/);
    refuses(() => captionDropout('a', { rate: 0.5, mode: 'blank' } as never, rng), /option "mode" is "blank", expected one of empty, trigger/);
    refuses(() => captionDropout('a', 'empty' as never, rng), /captionDropout: options must be an object/);
    refuses(() => shuffleTags('a, b', { tagDropout: Infinity }, rng), /shuffleTags: option "tagDropout" is Infinity/);
    refuses(() => shuffleTags('a, b', { keep: 1 } as never, rng), /shuffleTags: unknown option "keep"/);
    refuses(() => prepareTrainingCaption('a', { dropoutMode: 'none' } as never, rng), /prepareTrainingCaption: option "dropoutMode" is "none"/);
    refuses(() => prepareTrainingCaption('a', { keepTokens: 1.5 }, rng), /option "keepTokens" is 1.5, expected an integer >= 0/);
    refuses(() => prepareTrainingCaption('a', 'mybg' as never, rng), /prepareTrainingCaption: options must be an object/);
    refuses(() => backoffDelay(1, undefined, { retrys: 2 } as never), /backoffDelay: unknown option "retrys"/);
    refuses(() => backoffDelay(1, undefined, { maxDelayMs: -5 }), /option "maxDelayMs" is -5, expected a number >= 0/);
    await expect(withRetries(async () => 1, { retries: Number.NaN })).rejects.toThrow(/withRetries: option "retries" is NaN/);
    await expect(withRetries(async () => 1, 'x' as never)).rejects.toThrow(CaptioningError);
    expect(cleanCaption('one two three four', { maxLength: 9 })).toBe(cleanCaption('one two three four', { maxLength: 9 }));
    expect(prepareTrainingCaption('a, b', { trigger: 'mybg', dropoutRate: 0, tagDropout: undefined }, rng)).toBe('mybg, a, b');
    expect(backoffDelay(2, undefined, { baseDelayMs: 100, random: () => 0.5 })).toBe(300);
  });
});
