export { validateSafetensors, SPEC_DTYPE_BYTES, SPEC_MAX_DEPTH, SPEC_MAX_HEADER, type SpecTensor, type SpecVerdict } from './spec-validator.js';
export { CaseRandom } from './case-random.js';
export { MUTATORS, mutate, type Mutator } from './mutators.js';
export { seedFiles, I2L_SEED_TABLE, type SeedFile } from './seed-files.js';
export { FUZZ_TARGETS, type FuzzTarget, type TargetOutcome } from './fuzz-targets.js';
export { runFuzz, formatFuzzTable, type FuzzOptions, type FuzzReport, type FuzzFailure, type TargetTally } from './run-fuzz.js';
