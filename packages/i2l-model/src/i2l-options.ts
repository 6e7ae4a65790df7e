import { checkOptions, option, type OptionRule } from '@loraflow/tensor-core';
import { I2lError } from './i2l-error.js';

/** Rules for the config fields of I2lConfig (residual is checked by resolveI2lConfig: an object or null). */
export const I2L_CONFIG_RULES: Readonly<Record<string, OptionRule>> = {
  embeddingDim: option.integer({ min: 1 }), compressDim: option.integer({ min: 1 }), rank: option.integer({ min: 1 }),
  residual: option.any, residualWidth: option.integer({ min: 1 }), residualScale: option.number(),
};

/** Checks a public function's options with I2lError messages naming the option (see tensor-core's checkOptions). */
export function checkI2lOptions(where: string, options: unknown, rules: Readonly<Record<string, OptionRule>>): void {
  checkOptions(where, options, rules, (m) => new I2lError(m));
}
