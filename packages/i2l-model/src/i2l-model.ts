import { DTYPES, Linear, Module, ModuleList, mul, noGrad, option, type InitOptions, type Tensor } from '@loraflow/tensor-core';
import type { ExternalLoraFactors } from '@loraflow/lora-adapters';
import { resolveI2lConfig, type I2lConfig } from './i2l-config.js';
import { I2lError } from './i2l-error.js';
import { i2lBlockForward, type I2lBlockWeights } from './i2l-block-forward.js';
import { targetModulePath, type I2lTarget, type I2lTargetTable } from './target-table.js';
import { checkI2lOptions, I2L_CONFIG_RULES } from './i2l-options.js';

/**
 * Two bias-free linears, `proj_in` then `proj_out` (DiffSynth's ImageEmbeddingToLoraMatrix, and with
 * `tokens` > 1 its SequencialMLP, whose proj_out takes the `tokens` x `midFeatures` flattened outputs).
 */
export class I2lProjection extends Module {
  proj_in: Linear;
  proj_out: Linear;

  constructor(inFeatures: number, midFeatures: number, outFeatures: number, opts: InitOptions = {}, tokens = 1) {
    super();
    this.proj_in = new Linear(inFeatures, midFeatures, { ...opts, bias: false });
    this.proj_out = new Linear(tokens * midFeatures, outFeatures, { ...opts, bias: false });
  }
}

/** The generators of one target module: `proj_a` makes lora_A, `proj_b` makes lora_B. */
export class I2lLayer extends Module {
  proj_a: I2lProjection;
  proj_b: I2lProjection;

  constructor(config: I2lConfig, target: I2lTarget, opts: InitOptions = {}) {
    super();
    this.proj_a = new I2lProjection(config.embeddingDim, config.compressDim, config.rank * target.inFeatures, opts);
    this.proj_b = new I2lProjection(config.embeddingDim, config.compressDim, config.rank * target.outFeatures, opts);
  }
}

/** One generator block (DiffSynth's LoRATrainerBlock): a layer per target of its group, and the residual MLP shared by them. */
export class I2lBlock extends Module {
  layers: ModuleList<I2lLayer>;
  proj_residual: I2lProjection | null;

  constructor(config: I2lConfig, readonly targets: readonly I2lTarget[], opts: InitOptions = {}) {
    super();
    this.layers = new ModuleList(targets.map((t) => new I2lLayer(config, t, opts)));
    this.proj_residual = config.residual ? new I2lProjection(config.residualWidth, config.residual.midDim, config.compressDim, opts, config.residual.length) : null;
    Object.defineProperty(this, 'targets', { enumerable: false });
  }

  /** The block's weights as the shared forward takes them. */
  weights(): I2lBlockWeights {
    const pair = (p: I2lProjection) => ({ proj_in: p.proj_in.weight, proj_out: p.proj_out.weight });
    return { layers: this.layers.items().map((l) => ({ proj_a: pair(l.proj_a), proj_b: pair(l.proj_b) })), proj_residual: this.proj_residual ? pair(this.proj_residual) : null };
  }
}

/** Options of a new i2L model: its sizes, the target table, and how to initialise. */
export interface I2lModelOptions extends Partial<I2lConfig>, InitOptions {
  /** 'diffsynth' (default): PyTorch's Linear init then DiffSynth's initialize_weights scaling (B starts at 0); 'default': Linear init only. */
  init?: 'diffsynth' | 'default';
}

/**
 * The Image-to-LoRA hypernetwork with DiffSynth's parameter names (`blocks.{k}.layers.{j}.proj_a.proj_in.weight`, ...,
 * `blocks.{k}.proj_residual.proj_out.weight`, k = group * blocks + block) over any target table.
 * `forward` gives per-image LoRA factors for every target module, differentiable into the weights.
 */
export class I2lModel extends Module {
  blocks: ModuleList<I2lBlock>;
  readonly config: I2lConfig;

  constructor(readonly table: I2lTargetTable, opts: I2lModelOptions = {}) {
    super();
    checkI2lOptions('I2lModel', opts, { ...I2L_CONFIG_RULES, init: option.oneOf(['diffsynth', 'default']), device: option.object, dtype: option.oneOf(DTYPES), generator: option.object });
    const { init, device, dtype, generator, ...sizes } = opts;
    this.config = resolveI2lConfig(sizes);
    const initOpts = { device, dtype, generator };
    this.blocks = new ModuleList(table.groups.flatMap((group) => Array.from({ length: table.blocks }, () => new I2lBlock(this.config, group, initOpts))));
    Object.defineProperty(this, 'config', { enumerable: false });
    Object.defineProperty(this, 'table', { enumerable: false });
    if ((init ?? 'diffsynth') === 'diffsynth') this.initializeWeights();
  }

  /** DiffSynth's initialize_weights: every proj_a tensor x 0.3, proj_b.proj_out x 0 (so lora_B = 0), proj_residual.proj_out x 0.3. */
  initializeWeights(): void {
    noGrad(() => {
      for (const [name, p] of this.namedParameters()) {
        const factor = name.includes('.proj_a.') ? 0.3 : name.includes('.proj_b.proj_out.') ? 0 : name.includes('.proj_residual.proj_out.') ? 0.3 : 1;
        if (factor !== 1) {
          const scaled = mul(p, factor);
          p.assign(scaled);
          scaled.dispose();
        }
      }
    });
  }

  /**
   * LoRA factors for a batch of n images: `imageEmbedding` `[n, embeddingDim]`, `residual`
   * `[n, L, width]` (Coarse / Fine; scaled by residualScale here, as DiffSynth does; ignored
   * without a residual path). Keys are target module paths (`transformer_blocks.{b}.{name}`); down
   * `[n, rank, in]`, up `[n, out, rank]`, ready for LoraLinear's external factors.
   */
  forward(imageEmbedding: Tensor, residual?: Tensor | null): Map<string, ExternalLoraFactors> {
    const c = this.config;
    if (imageEmbedding.ndim !== 2 || imageEmbedding.shape[1] !== c.embeddingDim) {
      throw new I2lError(`i2L forward: image embedding has shape [${imageEmbedding.shape}], expected [n, ${c.embeddingDim}]`);
    }
    let scaled: Tensor | null = null;
    if (c.residual) {
      const want = [imageEmbedding.shape[0], c.residual.length, c.residualWidth];
      if (!residual || residual.ndim !== 3 || residual.shape.some((d, i) => d !== want[i])) {
        throw new I2lError(`i2L forward: residual has shape ${residual ? `[${residual.shape}]` : 'none'}, expected [${want}]`);
      }
      scaled = mul(residual, c.residualScale);
    }
    const out = new Map<string, ExternalLoraFactors>();
    this.blocks.items().forEach((block, k) => {
      const b = k % this.table.blocks;
      const factors = i2lBlockForward(block.weights(), block.targets, c.rank, imageEmbedding, scaled);
      block.targets.forEach((t, j) => out.set(targetModulePath(b, t.name), factors[j]));
    });
    return out;
  }
}
