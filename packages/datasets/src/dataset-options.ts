import { checkOptions, type OptionRule } from '@loraflow/tensor-core';
import { DatasetError } from './dataset-error.js';

/** Checks a public function's options with DatasetError messages naming the option (see tensor-core's checkOptions). */
export function checkDatasetOptions(where: string, options: unknown, rules: Readonly<Record<string, OptionRule>>): void {
  checkOptions(where, options, rules, (m) => new DatasetError(m));
}
