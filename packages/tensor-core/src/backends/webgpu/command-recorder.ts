import type { BufferPool } from './buffer-pool.js';
import { BufferUsage } from './gpu-flags.js';
import type { KernelSource, PipelineCache } from './pipeline-cache.js';

/** Bytes of one dispatch's uniform block: 64 32-bit words, also the uniform offset alignment. */
export const PARAM_BYTES = 256;
/** Words of one dispatch's uniform block. */
export const PARAM_WORDS = PARAM_BYTES / 4;

/** Counters of the command recorder, for tests and benchmarks. */
export interface RecorderStats {
  dispatches: number;
  submits: number;
  /** Dispatches that reused a cached bind group. */
  bindGroupHits: number;
}

/** Bind groups kept for reuse; the oldest go first beyond this. */
const MAX_CACHED_BIND_GROUPS = 4096;

/** One dispatch: a kernel, its uniform words, its storage buffers (binding 1..n) and workgroup counts. */
export interface DispatchSpec {
  readonly kernel: KernelSource;
  readonly params: ArrayLike<number>;
  readonly buffers: readonly GPUBuffer[];
  readonly groups: readonly [number, number, number];
}

/**
 * Records dispatches and copies into one command encoder and submits rarely: on read/sync, or
 * when the uniform arena (one 256-byte block per dispatch) is full. The arena is uploaded with a
 * single writeBuffer right before each submit, which the queue orders after earlier submits.
 */
export class CommandRecorder {
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private readonly paramWords: Uint32Array<ArrayBuffer>;
  private readonly paramBuffer: GPUBuffer;
  private slot = 0;
  private readonly stat = { dispatches: 0, submits: 0, bindGroupHits: 0 };
  /**
   * Bind groups by (kernel, uniform slot, buffers): createBindGroup costs tens of microseconds in
   * Dawn, more than the rest of a dispatch's recording, and a training loop repeats the same
   * kernels on the same pooled buffers in the same slots. An entry whose buffer was destroyed can
   * never be hit again (that buffer object is never bound again), so no invalidation is needed.
   */
  private readonly bindGroups = new Map<string, GPUBindGroup>();
  private readonly bufferIds = new WeakMap<GPUBuffer, number>();
  private nextBufferId = 1;
  /** Called after each submit (the buffer pool recycles parked buffers there). */
  private readonly afterSubmit: (() => void)[] = [];

  constructor(
    private readonly device: GPUDevice,
    private readonly pipelines: PipelineCache,
    private readonly pool: BufferPool,
    private readonly maxDispatchesPerSubmit: number,
  ) {
    this.paramWords = new Uint32Array(PARAM_WORDS * maxDispatchesPerSubmit);
    this.paramBuffer = device.createBuffer({ size: this.paramWords.byteLength, usage: BufferUsage.UNIFORM | BufferUsage.COPY_DST });
  }

  private commandEncoder(): GPUCommandEncoder {
    this.encoder ??= this.device.createCommandEncoder();
    return this.encoder;
  }

  /** The encoder for copy commands (closes any open compute pass first). */
  copyEncoder(): GPUCommandEncoder {
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
    return this.commandEncoder();
  }

  /** Records one compute dispatch. Params are u32 words; write i32/f32 through their bit patterns. */
  dispatch(spec: DispatchSpec): void {
    if (this.slot === this.maxDispatchesPerSubmit) this.submit();
    const { pipeline, layout } = this.pipelines.get(spec.kernel);
    const base = this.slot * PARAM_WORDS;
    const words = this.paramWords;
    for (let i = 0; i < spec.params.length; i++) words[base + i] = spec.params[i];
    const bindGroup = this.bindGroup(spec, layout);
    if (!this.pass) this.pass = this.commandEncoder().beginComputePass();
    this.pass.setPipeline(pipeline);
    this.pass.setBindGroup(0, bindGroup);
    this.pass.dispatchWorkgroups(spec.groups[0], spec.groups[1], spec.groups[2]);
    this.slot++;
    this.stat.dispatches++;
  }

  private bindGroup(spec: DispatchSpec, layout: GPUBindGroupLayout): GPUBindGroup {
    let key = `${spec.kernel.key}|${this.slot}`;
    for (const buffer of spec.buffers) {
      let id = this.bufferIds.get(buffer);
      if (id === undefined) this.bufferIds.set(buffer, (id = this.nextBufferId++));
      key += `|${id}`;
    }
    const cached = this.bindGroups.get(key);
    if (cached) {
      this.stat.bindGroupHits++;
      return cached;
    }
    const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: this.paramBuffer, offset: this.slot * PARAM_BYTES, size: PARAM_BYTES } }];
    for (let i = 0; i < spec.buffers.length; i++) entries.push({ binding: i + 1, resource: { buffer: spec.buffers[i] } });
    const created = this.device.createBindGroup({ layout, entries });
    this.bindGroups.set(key, created);
    if (this.bindGroups.size > MAX_CACHED_BIND_GROUPS) this.bindGroups.delete(this.bindGroups.keys().next().value as string);
    return created;
  }

  /** Registers a callback run after every submit. */
  onSubmit(callback: () => void): void {
    this.afterSubmit.push(callback);
  }

  /** Submits everything recorded so far (a no-op when nothing is pending). */
  submit(): void {
    if (!this.encoder) {
      // Nothing pending: parked buffers have no unsubmitted users left.
      this.pool.recycle();
      return;
    }
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
    if (this.slot > 0) this.device.queue.writeBuffer(this.paramBuffer, 0, this.paramWords, 0, this.slot * PARAM_WORDS);
    this.device.queue.submit([this.encoder.finish()]);
    this.encoder = null;
    this.slot = 0;
    this.stat.submits++;
    this.pool.recycle();
    for (const callback of this.afterSubmit) callback();
  }

  stats(): RecorderStats {
    return { ...this.stat };
  }

  destroy(): void {
    this.bindGroups.clear();
    this.encoder = null;
    this.pass = null;
    this.paramBuffer.destroy();
  }
}
