import { checkOptions, withDefaults, full, keep, noGrad, option, randn, slice, tidy, type Module, type Tensor } from '@loraflow/tensor-core';
import { guidedModel, linearSigmas, SAMPLERS, type GuidedCond, type SamplerName, type VelocityModel } from '@loraflow/flow-samplers';
import { loraLayers, mergeLora, setLoraMultiplier, unmergeLora } from '@loraflow/lora-adapters';
import { tensorToImage, type RasterImage } from '@loraflow/datasets';
import type { LoraTrainableModel } from './lora-trainable-model.js';
import { TrainerError } from './trainer-error.js';

/** How to sample images from a (LoRA-carrying) flow model. */
export interface SampleImagesOptions {
  /** One prompt for every image, or one prompt per image (then `count` is the list's length). */
  prompt: string | readonly string[];
  /** Negative prompt of true CFG (default: the empty prompt). */
  negative?: string;
  /** Images to draw, each from its own noise (batched); ignored when `prompt` is a list. */
  count?: number;
  /** Seed of the starting noise. */
  seed?: number;
  /** ODE steps (linear sigmas 1 .. 1/N, then 0). */
  steps?: number;
  /** Any sampler of @loraflow/flow-samplers' SAMPLERS (euler, heun, midpoint, dpmpp-2m). */
  sampler?: SamplerName;
  /** Image size in pixels (default: the model's resolution); multiples of the model's bucket step. */
  width?: number;
  height?: number;
  /** Called after every sampler step (for progress bars). */
  onStep?: (step: number, steps: number) => void;
  /** Guidance scale; <= 1 runs the positive prompt only. */
  cfg?: number;
  /** Qwen-Image's norm-rescaled true CFG (rescale the combination to the positive prediction's norm, per pixel over channels). */
  cfgNorm?: boolean;
  /** LoRA multiplier set on every LoRA layer before sampling (undefined leaves it as it is). */
  loraScale?: number;
  /**
   * Fold the LoRA into the base weights while sampling (about 20% less compute on small models) and unfold it after.
   * Unfolding restores the base weights only to float round-off (~1e-7), so training previews leave it off.
   */
  mergeLora?: boolean;
}

/** Defaults of {@link SampleImagesOptions}. */
export const SAMPLE_DEFAULTS = {
  negative: '',
  count: 1,
  seed: 0,
  steps: 30,
  sampler: 'euler',
  cfg: 4,
  cfgNorm: false,
  mergeLora: false,
} satisfies Omit<Required<SampleImagesOptions>, 'prompt' | 'loraScale' | 'width' | 'height' | 'onStep'>;

const RULES = {
  prompt: option.any, negative: option.string, count: option.integer({ min: 1 }), seed: option.integer(), steps: option.integer({ min: 1 }),
  sampler: option.oneOf(Object.keys(SAMPLERS)), width: option.integer({ min: 1 }), height: option.integer({ min: 1 }), onStep: option.function,
  cfg: option.number(), cfgNorm: option.boolean, loraScale: option.number(), mergeLora: option.boolean,
};

// Latent [C, h, w] for an image size, from the model's native resolution and latent side.
function latentShapeFor<C>(model: LoraTrainableModel<C>, width: number | undefined, height: number | undefined): readonly [number, number, number] {
  if (width === undefined && height === undefined) return model.latentShape;
  const [ch, side] = model.latentShape;
  if (!model.resolution) throw new TrainerError('sampleImages: width/height need a model that says its resolution');
  const down = model.resolution / side;
  const step = model.bucketStep ?? down;
  const w = width ?? model.resolution, h = height ?? model.resolution;
  for (const [name, v] of [['width', w], ['height', h]] as const) {
    if (v % step !== 0) throw new TrainerError(`sampleImages: option "${name}" is ${v}, expected a multiple of ${step} (the model's pixels per latent patch)`);
  }
  return [ch, h / down, w / down];
}

/** A sampler-ready velocity function (no autograd) over a model's training-form velocity. */
export function samplingVelocity<C>(model: LoraTrainableModel<C>): VelocityModel<C> {
  return (x, sigma, cond) => keep(noGrad(() => tidy(() => model.velocity(x, full([x.shape[0]], sigma, { device: x.device }), cond))));
}

/** Samples latents and decodes them: a tensor [count, 3, H, W] in [-1, 1] (caller disposes). */
export async function sampleImageTensor<C>(model: LoraTrainableModel<C>, options: SampleImagesOptions): Promise<Tensor> {
  checkOptions('sampleImages', options, RULES, (m) => new TrainerError(m));
  const o = withDefaults(SAMPLE_DEFAULTS, options) as Required<Omit<SampleImagesOptions, 'loraScale'>> & { loraScale?: number };
  if (typeof o.prompt !== 'string') {
    if (o.prompt.length === 0) throw new TrainerError('sampleImages: prompt list is empty');
    o.count = o.prompt.length;
  }
  if (!Number.isInteger(o.count) || o.count < 1) throw new TrainerError(`sampleImages: count ${o.count}, expected an integer >= 1`);
  if (!Number.isInteger(o.steps) || o.steps < 1) throw new TrainerError(`sampleImages: steps ${o.steps}, expected an integer >= 1`);
  if (o.loraScale !== undefined) setLoraMultiplier(model.transformer, o.loraScale);
  const merged = o.mergeLora ? mergeAdapters(model.transformer) : [];
  const wasTraining = model.transformer.training;
  model.transformer.eval();
  const prompts = typeof o.prompt === 'string' ? Array<string>(o.count).fill(o.prompt) : [...o.prompt];
  const pos = noGrad(() => model.encodePrompt(prompts));
  const guided = o.cfg > 1;
  const neg = guided ? noGrad(() => model.encodePrompt(Array<string>(o.count).fill(o.negative))) : undefined;
  const velocity = guidedModel(samplingVelocity(model), { scale: o.cfg, rescale: o.cfgNorm ? 'norm' : 'none', normAxes: [1] });
  const noise = randn([o.count, ...latentShapeFor(model, options.width, options.height)], { seed: o.seed });
  try {
    const cond: GuidedCond<C> = neg === undefined ? { pos } : { pos, neg };
    const onStep = options.onStep;
    const callback = onStep ? (info: { step: number }) => onStep(info.step + 1, o.steps) : undefined;
    const latents = await SAMPLERS[o.sampler](velocity, noise, { sigmas: [...linearSigmas(o.steps), 0], cond, callback });
    const images = noGrad(() => model.decodeLatents(latents));
    latents.dispose();
    return images;
  } finally {
    noise.dispose();
    disposeDeep(pos);
    disposeDeep(neg);
    model.transformer.train(wasTraining);
    for (const name of merged) unmergeLora(model.transformer, name);
  }
}

// Merges every adapter that is not merged yet and returns their names.
function mergeAdapters(model: Module): string[] {
  const names = new Set<string>();
  for (const [, layer] of loraLayers(model)) for (const n of layer.adapterNames()) if (layer.state(n).mergedScale === null) names.add(n);
  for (const n of names) mergeLora(model, n);
  return [...names];
}

/** Samples and returns 8-bit RGB images, one per `count`. */
export async function sampleImages<C>(model: LoraTrainableModel<C>, options: SampleImagesOptions): Promise<RasterImage[]> {
  const images = await sampleImageTensor(model, options);
  try {
    return await imagesFromBatch(images);
  } finally {
    images.dispose();
  }
}

/** Splits a [B, 3, H, W] batch in [-1, 1] into 8-bit images. */
export async function imagesFromBatch(images: Tensor): Promise<RasterImage[]> {
  const out: RasterImage[] = [];
  for (let k = 0; k < images.shape[0]; k++) {
    const one = slice(images, [k, 0, 0, 0], [k + 1, ...images.shape.slice(1)]);
    out.push(await tensorToImage(one));
    one.dispose();
  }
  return out;
}

/** Disposes every tensor inside a plain object / array (encoded prompts are such objects). */
export function disposeDeep(value: unknown): void {
  if (value === null || value === undefined || typeof value !== 'object') return;
  if (typeof (value as { dispose?: unknown }).dispose === 'function' && 'shape' in (value as object)) {
    (value as Tensor).dispose();
    return;
  }
  for (const v of Array.isArray(value) ? value : Object.values(value)) disposeDeep(v);
}
