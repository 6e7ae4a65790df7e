import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Parameter, scaledDotProductAttention, tensor, type Tensor } from '@loraflow/tensor-core';
// The CPU backend's kernels, swapped for a 4 MiB wasm memory so a small shape runs out of it as a big one would in 2 GiB.
import { createWasmKernels, type WasmKernels } from '../../tensor-core/src/backends/cpu/wasm/index.js';
import { cpu, installWasmKernels } from '../../tensor-core/src/device/register-backends.js';
import { probeTrainingMemory, TrainerError } from '../src/index.js';

let small: WasmKernels;
const cpuBackend = cpu.backend as unknown as { setWasmKernels(k: WasmKernels | null): void };
beforeAll(async () => {
  small = await createWasmKernels({ threads: 1, maxMemoryPages: 64 });
  cpuBackend.setWasmKernels(small);
});
afterAll(async () => {
  cpuBackend.setWasmKernels(await installWasmKernels());
  small.dispose();
});

// Self-attention over 48-channel tokens made of the latent pixels: its wasm memory grows with the image area.
function attentionModel(scale: Parameter) {
  const tokens = (x: Tensor) => x.reshape([x.shape[0], 1, (x.shape[1] * x.shape[2] * x.shape[3]) / 48, 48]);
  return {
    transformer: null as never,
    latentShape: [3, 16, 16] as const,
    encodePrompt: () => ({}),
    encodeImages: (x: Tensor) => x.mul(1),
    decodeLatents: (x: Tensor) => x,
    velocity: (x: Tensor) => {
      const t = tokens(x.mul(scale).add(0.25));
      return scaledDotProductAttention(t, t, t).reshape(x.shape);
    },
  };
}

describe('memory probe', () => {
  it('passes a shape that fits and leaves no gradient behind', () => {
    const scale = new Parameter(tensor([1], [1]));
    probeTrainingMemory(attentionModel(scale), [scale], { batch: 1, width: 32, height: 32, resolution: 32 });
    expect(scale.grad).toBeNull();
  });

  it('fails before training with the resolution, batch size and bytes needed when the step cannot fit', () => {
    const scale = new Parameter(tensor([1], [1]));
    let error: unknown;
    try {
      probeTrainingMemory(attentionModel(scale), [scale], { batch: 2, width: 256, height: 256, resolution: 256 }, 32);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TrainerError);
    expect((error as Error).message).toMatch(/^resolution 256 \(bucket 256x256\) with batch_size 2 needs \d+ bytes \([\d.]+ MiB\), over the 4194304 \(4\.0 MiB\) available; lower resolution or batch_size; the model's own resolution is 32$/);
    expect(scale.grad).toBeNull();
  });
});
