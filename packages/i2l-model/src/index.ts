export { I2lError } from './i2l-error.js';
export {
  I2L_TARGET_GROUPS,
  QWEN_IMAGE_I2L_TARGETS,
  targetModulePath,
  targetModulePaths,
  targetTableFromShapes,
  targetTableFromModel,
  firstBlocks,
  parseTargetTable,
  type I2lTarget,
  type I2lTargetTable,
  type TargetModuleShape,
} from './target-table.js';
export { I2L_DEFAULTS, I2L_PRESETS, resolveI2lConfig, type I2lConfig, type I2lResidualConfig, type I2lVariant } from './i2l-config.js';
export { i2lStateSpecs, i2lBlockSpecs, i2lBlockCount, type I2lTensorSpec } from './i2l-state-specs.js';
export { i2lModelHash } from './i2l-model-hash.js';
export { inferI2lLayout, type I2lLayout, type I2lHeaderEntry } from './i2l-layout.js';
export { i2lBlockForward, type I2lBlockWeights, type ProjectionWeights, type GeneratedFactors } from './i2l-block-forward.js';
export { I2lModel, I2lBlock, I2lLayer, I2lProjection, type I2lModelOptions } from './i2l-model.js';
export { readI2lEmbedding, writeI2lEmbedding, type I2lEmbedding, type I2lResidual, type ImageEncoder, type EncoderImage } from './i2l-embedding.js';
export { I2lFile, disposeInputs, type I2lDecodeInputs, type DecodedModule, type NamedEmbedding } from './i2l-file.js';
export { generateI2lLora, type GenerateI2lOptions, type GenerateI2lResult, type I2lExpertInput } from './generate-i2l-lora.js';
export { writeSyntheticI2lFile } from './synthetic-i2l-file.js';
export { readTargetTable } from './read-target-table.js';
