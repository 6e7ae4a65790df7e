import { humanBytes, noGrad, tidy, zeros, type Parameter } from '@loraflow/tensor-core';
import { velocityTarget, weightedMseLoss } from '@loraflow/flow-samplers';
import type { LoraTrainableModel } from './lora-trainable-model.js';
import { TrainerError } from './trainer-error.js';

/** The largest training shape of a run: images per micro-batch and the biggest bucket. */
export interface ProbeShape {
  batch: number;
  width: number;
  height: number;
  /** The configured resolution the bucket belongs to. */
  resolution: number;
}

// Kernels that run out of memory say how many bytes they needed (wasm: "needs N bytes of wasm memory, over the M available").
const NEEDS = /needs (\d+) bytes[^,]*, over the (\d+) available/;
const OUT_OF_MEMORY = /out of memory|bytes of wasm memory|allocation failed|Array buffer allocation/i;

/**
 * Runs one forward and backward pass at the run's largest shape on zeros before any real work, so a request that
 * cannot fit fails at once with the resolution, batch size and bytes needed instead of minutes in. Gradients are
 * cleared afterwards and no random stream is touched, so the run's numbers are unchanged.
 */
export function probeTrainingMemory<C>(model: LoraTrainableModel<C>, params: readonly Parameter[], shape: ProbeShape, nativeResolution?: number): void {
  try {
    tidy(() => {
      const pixels = zeros([shape.batch, 3, shape.height, shape.width]);
      const latents = noGrad(() => model.encodeImages(pixels));
      const cond = noGrad(() => model.encodePrompt(Array(shape.batch).fill('')));
      const sigmas = zeros([shape.batch]).add(0.5);
      const pred = model.velocity(latents, sigmas, cond);
      weightedMseLoss(pred, velocityTarget(latents, zeros(latents.shape))).backward();
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (!OUT_OF_MEMORY.test(message)) throw error;
    const m = NEEDS.exec(message);
    const need = m ? `needs ${m[1]} bytes (${humanBytes(Number(m[1]))}), over the ${m[2]} (${humanBytes(Number(m[2]))}) available` : `does not fit in memory (${message})`;
    const hint = nativeResolution ? `; the model's own resolution is ${nativeResolution}` : '';
    throw new TrainerError(`resolution ${shape.resolution} (bucket ${shape.width}x${shape.height}) with batch_size ${shape.batch} ${need}; lower resolution or batch_size${hint}`);
  } finally {
    for (const p of params) {
      p.grad?.dispose();
      p.grad = null;
    }
  }
}
