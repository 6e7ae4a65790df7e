import { decodeFloats, isFloatDType, type FloatDType } from './float-codec.js';
import type { LoraKeyPair } from './lora-key-pairs.js';
import type { LoraLayer } from './lora-layer.js';
import { RerankError } from './rerank-error.js';
import type { TensorSource } from './tensor-source.js';

/** A layer read from a file, with what is needed to write it back in the same layout. */
export interface StoredLoraLayer {
  readonly layer: LoraLayer;
  readonly pair: LoraKeyPair;
  readonly downDType: FloatDType;
  readonly upDType: FloatDType;
  /** Alpha's header dtype and shape (usually `[]`), when the file stores alpha. */
  readonly alphaStorage?: { readonly dtype: FloatDType; readonly shape: readonly number[] };
}

/**
 * Reads one layer's factors as float32. Linear: down `(r, in)`, up `(out, r)`. Conv: down
 * `(r, in, kh, kw)`, up `(out, r, 1, 1)`. A missing alpha means `alpha = rank` (scale 1, PEFT's convention).
 */
export async function readLoraLayer(source: TensorSource, pair: LoraKeyPair): Promise<StoredLoraLayer> {
  const down = source.info(pair.downKey);
  const up = source.info(pair.upKey);
  const where = `${source.name}: "${pair.downKey}" ${JSON.stringify(down.shape)} / "${pair.upKey}" ${JSON.stringify(up.shape)}`;
  const rank = down.shape[0];
  const conv = down.shape.length === 4;
  const upIsConv1x1 = up.shape.length === 4 && up.shape[2] === 1 && up.shape[3] === 1;
  if (!(down.shape.length === 2 || conv) || !(up.shape.length === 2 || upIsConv1x1) || up.shape[1] !== rank) {
    throw new RerankError(`${where}: expected down (r, in) or (r, in, kh, kw) and up (out, r) or (out, r, 1, 1) with the same r`);
  }
  for (const [key, info] of [[pair.downKey, down], [pair.upKey, up]] as const) {
    if (!isFloatDType(info.dtype)) throw new RerankError(`${source.name}: "${key}" has dtype ${info.dtype}, expected F32, F16, BF16 or F64`);
  }
  const layer: LoraLayer = {
    name: pair.stem,
    down: decodeFloats(await source.readRaw(pair.downKey), down.dtype, pair.downKey),
    up: decodeFloats(await source.readRaw(pair.upKey), up.dtype, pair.upKey),
    outDim: up.shape[0],
    inDim: down.shape[1],
    rank,
    alpha: rank,
    ...(conv ? { kernel: [down.shape[2], down.shape[3]] as const } : {}),
  };
  if (!pair.alphaKey) return { layer, pair, downDType: down.dtype as FloatDType, upDType: up.dtype as FloatDType };
  const alphaInfo = source.info(pair.alphaKey);
  if (!isFloatDType(alphaInfo.dtype) || alphaInfo.shape.reduce((a, b) => a * b, 1) !== 1) {
    throw new RerankError(`${source.name}: "${pair.alphaKey}" is ${alphaInfo.dtype} ${JSON.stringify(alphaInfo.shape)}, expected one float`);
  }
  const alpha = decodeFloats(await source.readRaw(pair.alphaKey), alphaInfo.dtype, pair.alphaKey)[0];
  return {
    layer: { ...layer, alpha: alpha === 0 ? rank : alpha }, // kohya: alpha 0 / None means alpha = rank
    pair,
    downDType: down.dtype as FloatDType,
    upDType: up.dtype as FloatDType,
    alphaStorage: { dtype: alphaInfo.dtype, shape: alphaInfo.shape },
  };
}
