import { ModuleBuilder } from './emitter/module-builder.js';
import { MAX_MEMORY_PAGES } from './memory-pages.js';
import { emitAttentionBackward } from './attention/attention-backward-kernel.js';
import { emitAttention } from './attention/attention-kernel.js';
import { emitAttentionPack } from './attention/attention-pack.js';
import { emitGemm } from './gemm/gemm-driver.js';
import { emitRowKernels } from './rows/row-kernels.js';
import { emitConvKernels } from './conv/conv-kernels.js';
import { emitConvPack } from './conv/conv-pack.js';
import { emitWinogradKernels, emitWinogradWeightGrad } from './conv/winograd-kernels.js';
import { emitGemmMicroKernel, type MicroKernelConfig } from './gemm/gemm-microkernel.js';

/** Which code the kernel module is generated with. */
export interface KernelModuleConfig {
  relaxedSimd: boolean;
  /** Import the memory as shared (threads); false where SharedArrayBuffer is unavailable. */
  sharedMemory: boolean;
  gemm: Omit<MicroKernelConfig, 'relaxed'>;
}

/** The WebAssembly binary holding every CPU kernel, importing one shared memory as env.memory. */
export function kernelModuleBytes(cfg: KernelModuleConfig): Uint8Array<ArrayBuffer> {
  const mb = new ModuleBuilder().importMemory({ module: 'env', name: 'memory', initial: 1, maximum: MAX_MEMORY_PAGES, shared: cfg.sharedMemory });
  emitGemm(mb, { ...cfg.gemm, relaxed: cfg.relaxedSimd });
  // Attention's blocks are laid out for a 4 x 8 register block, whatever the GEMM uses.
  const attnKernel = emitGemmMicroKernel(mb, { mr: 4, nr: 8, relaxed: cfg.relaxedSimd });
  const attnPack = emitAttentionPack(mb);
  emitAttention(mb, attnKernel, attnPack, cfg.relaxedSimd);
  emitAttentionBackward(mb, attnKernel, attnPack, cfg.relaxedSimd);
  emitRowKernels(mb, cfg.relaxedSimd);
  emitConvKernels(mb);
  emitConvPack(mb, cfg.gemm.mr, cfg.gemm.nr);
  emitWinogradKernels(mb);
  emitWinogradWeightGrad(mb);
  return mb.toBytes();
}
