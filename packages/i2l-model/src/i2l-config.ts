import { I2lError } from './i2l-error.js';
import { checkI2lOptions, I2L_CONFIG_RULES } from './i2l-options.js';

/** The residual path of Coarse / Fine: L Qwen-VL tokens of `width` features, each projected to `midDim`. */
export interface I2lResidualConfig {
  /** Tokens per image (Coarse 64 + 7 = 71, Fine 37 * 37 + 7 = 1376). */
  readonly length: number;
  /** Per-token projection width (Coarse 1024, Fine 64). */
  readonly midDim: number;
}

/** Sizes of an i2L hypernetwork (DiffSynth's `QwenImageImage2LoRAModel` arguments). */
export interface I2lConfig {
  /** Image embedding length: SigLIP2 pooled 1536 + DINOv3 CLS 4096 = 5632. */
  readonly embeddingDim: number;
  /** Width between the two layers of every generator (Style 64, Coarse / Fine 128). */
  readonly compressDim: number;
  /** LoRA rank per image (4 in every released variant). */
  readonly rank: number;
  /** The Qwen-VL residual path, or null (Style). */
  readonly residual: I2lResidualConfig | null;
  /** Residual token width: Qwen2.5-VL-7B hidden size 3584. */
  readonly residualWidth: number;
  /** Factor on the residual input (0.05 in DiffSynth's forward). */
  readonly residualScale: number;
}

/** Defaults of every config field (DiffSynth's constructor defaults; Coarse's residual). */
export const I2L_DEFAULTS = {
  embeddingDim: 5632,
  compressDim: 128,
  rank: 4,
  residual: { length: 71, midDim: 1024 },
  residualWidth: 3584,
  residualScale: 0.05,
} as const satisfies I2lConfig;

/** The released Qwen-Image-i2L variants. */
export type I2lVariant = 'style' | 'coarse' | 'fine';

/** Configs of the released Qwen-Image-i2L files (shared/I2L.md section 1). */
export const I2L_PRESETS: Readonly<Record<I2lVariant, I2lConfig>> = {
  style: { ...I2L_DEFAULTS, compressDim: 64, residual: null },
  coarse: { ...I2L_DEFAULTS },
  fine: { ...I2L_DEFAULTS, residual: { length: 37 * 37 + 7, midDim: 64 } },
};

const positive = (v: number, what: string) => {
  if (!Number.isInteger(v) || v < 1) throw new I2lError(`i2L config: ${what} is ${v}, expected an integer >= 1`);
};

/** A full config from partial options (defaults from I2L_DEFAULTS), validated. */
export function resolveI2lConfig(opts: Partial<I2lConfig> = {}): I2lConfig {
  checkI2lOptions('resolveI2lConfig', opts, I2L_CONFIG_RULES);
  const c: I2lConfig = { ...I2L_DEFAULTS, ...opts };
  if (c.residual !== null && (typeof c.residual !== 'object' || Array.isArray(c.residual))) {
    throw new I2lError(`resolveI2lConfig: option "residual" is ${JSON.stringify(c.residual)}, expected {length, midDim} or null`);
  }
  positive(c.embeddingDim, 'embeddingDim');
  positive(c.compressDim, 'compressDim');
  positive(c.rank, 'rank');
  positive(c.residualWidth, 'residualWidth');
  if (c.residual) {
    positive(c.residual.length, 'residual.length');
    positive(c.residual.midDim, 'residual.midDim');
  }
  if (!Number.isFinite(c.residualScale)) throw new I2lError(`i2L config: residualScale is ${c.residualScale}, expected a finite number`);
  return c;
}
