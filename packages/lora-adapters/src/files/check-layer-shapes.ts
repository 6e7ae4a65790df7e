import { quoteForMessage, shapeForMessage } from '@loraflow/tensor-core';
import { LoraFormatError } from '../lora-error.js';
import type { LoraKind } from '../lora-layer.js';

interface Shaped {
  readonly shape: readonly number[];
}

/** What a down/up shape pair says about a layer. */
export interface LayerGeometry {
  kind: LoraKind;
  kernel: [number, number];
  rank: number;
  inFeatures: number;
  outFeatures: number;
}

/**
 * Validates a down/up(/bias) shape pair and derives the layer's geometry: down `[r, in]` with up
 * `[out, r]`, or conv down `[r, in, kh, kw]` with up `[out, r, 1, 1]`; throws naming what differs.
 */
export function layerGeometry(down: Shaped, up: Shaped, upBias: Shaped | undefined, where: string): LayerGeometry {
  const d = down.shape;
  const u = up.shape;
  const conv = d.length === 4;
  const [ds, us] = [shapeForMessage(d), shapeForMessage(u)];
  if (d.length !== 2 && !conv) throw new LoraFormatError(`${where}: down has shape ${ds}, expected [rank, in] or [rank, in, kh, kw]`);
  const upOk = conv ? u.length === 4 && u[2] === 1 && u[3] === 1 : u.length === 2;
  if (!upOk) throw new LoraFormatError(`${where}: up has shape ${us}, expected ${conv ? '[out, rank, 1, 1] for a conv down' : '[out, rank]'}`);
  if (u[1] !== d[0]) throw new LoraFormatError(`${where}: rank mismatch: down ${ds} has rank ${d[0]}, up ${us} has rank ${u[1]}`);
  // A rank-0 layer changes nothing and cannot be loaded as an adapter; a zero-width one adapts nothing.
  if (d[0] === 0) throw new LoraFormatError(`${where}: rank 0 (down ${ds}, up ${us}), expected rank >= 1`);
  if (d.some((x) => x === 0) || u[0] === 0) throw new LoraFormatError(`${where}: zero-sized factor (down ${ds}, up ${us}), expected every dimension >= 1`);
  if (upBias && (upBias.shape.length !== 1 || upBias.shape[0] !== u[0])) {
    throw new LoraFormatError(`${where}: up bias has shape ${shapeForMessage(upBias.shape)}, expected [${u[0]}]`);
  }
  return { kind: conv ? 'conv' : 'linear', kernel: conv ? [d[2], d[3]] : [1, 1], rank: d[0], inFeatures: d[1], outFeatures: u[0] };
}

/** Checks that a layer's declared rank/kind/kernel agree with its factor shapes. */
export function checkLayerShapes(
  layer: { module: string; kind: LoraKind; kernel: readonly [number, number]; rank: number; down: Shaped; up: Shaped; upBias?: Shaped },
  where: string,
): LayerGeometry {
  const g = layerGeometry(layer.down, layer.up, layer.upBias, `${where} ${quoteForMessage(layer.module)}`);
  if (g.rank !== layer.rank || g.kind !== layer.kind || g.kernel[0] !== layer.kernel[0] || g.kernel[1] !== layer.kernel[1]) {
    throw new LoraFormatError(
      `${where} ${quoteForMessage(layer.module)}: declared ${layer.kind} rank ${layer.rank} kernel ${layer.kernel.join('x')} but factors say ${g.kind} rank ${g.rank} kernel ${g.kernel.join('x')}`,
    );
  }
  return g;
}
