import { describe, expect, it } from 'vitest';
import { CaptioningError, createCaptioner, geminiCaptioner, offlineCaptioner, ollamaCaptioner, openAiCaptioner } from '../src/index.js';

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
});
