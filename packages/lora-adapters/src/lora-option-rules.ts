import { checkOptions, option, type OptionRule } from '@loraflow/tensor-core';
import { LoraError } from './lora-error.js';
import { LORA_FLOAT_DTYPES as LORA_WRITE_DTYPES } from './files/lora-factor-codec.js';
import { LORA_FORMATS } from './files/lora-format.js';

/** Rules of OpenLoraOptions. */
export const OPEN_RULES = { moduleNames: option.iterable, resolver: option.object } satisfies Record<string, OptionRule>;
/** Rules of LoraWriterOptions. */
export const WRITER_RULES = { format: option.oneOf(LORA_FORMATS), metadata: option.object, dtype: option.oneOf(LORA_WRITE_DTYPES) } satisfies Record<string, OptionRule>;
/** Rules of LoraFileTransformOptions (convert, scale). */
export const TRANSFORM_RULES = { ...OPEN_RULES, to: option.oneOf(LORA_FORMATS), dtype: option.oneOf(LORA_WRITE_DTYPES), metadata: option.object, onProgress: option.function } satisfies Record<string, OptionRule>;

/** Checks a public function's options with LoraError messages naming the option. */
export function checkLoraOptions(where: string, options: unknown, rules: Readonly<Record<string, OptionRule>>): void {
  checkOptions(where, options, rules, (m) => new LoraError(m));
}

/** Rules of LoraOptions (adapter hyper-parameters). */
export const LORA_RULES = {
  rank: option.integer({ min: 1 }), alpha: option.number(), convRank: option.integer({ min: 0 }), convAlpha: option.number(),
  dropout: option.number({ min: 0, below: 1 }), rankDropout: option.number({ min: 0, below: 1 }), moduleDropout: option.number({ min: 0, below: 1 }),
  upBias: option.boolean, multiplier: option.number(), seed: option.integer(), generator: option.object,
} satisfies Record<string, OptionRule>;

/** Rules of InjectLoraOptions. */
export const INJECT_RULES = { ...LORA_RULES, adapter: option.string, include: option.array, exclude: option.array, rules: option.array, freezeBase: option.boolean } satisfies Record<string, OptionRule>;
