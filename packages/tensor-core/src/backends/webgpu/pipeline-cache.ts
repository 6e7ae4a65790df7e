import { TensorError } from '../../errors.js';

/** A compute shader generated for one op configuration. */
export interface KernelSource {
  /** Unique per distinct WGSL text: the op and every specialisation baked into the code. */
  readonly key: string;
  /** Builds the WGSL (called once per key). */
  readonly wgsl: () => string;
}

/** Hit/miss counters of the pipeline cache. */
export interface PipelineCacheStats {
  pipelines: number;
  hits: number;
  misses: number;
}

/** A compiled kernel with its bind group layout (fetched once: getBindGroupLayout allocates). */
export interface CachedPipeline {
  readonly pipeline: GPUComputePipeline;
  readonly layout: GPUBindGroupLayout;
}

/** Compiles each kernel once per key and hands back the cached compute pipeline afterwards. */
export class PipelineCache {
  private readonly pipelines = new Map<string, CachedPipeline>();
  private hits = 0;
  private misses = 0;

  constructor(private readonly device: GPUDevice) {}

  get(kernel: KernelSource): CachedPipeline {
    const cached = this.pipelines.get(kernel.key);
    if (cached) {
      this.hits++;
      return cached;
    }
    this.misses++;
    const code = kernel.wgsl();
    let pipeline: GPUComputePipeline;
    try {
      const module = this.device.createShaderModule({ code, label: kernel.key });
      pipeline = this.device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' }, label: kernel.key });
    } catch (error) {
      throw new TensorError(`webgpu: compiling kernel "${kernel.key}" failed: ${(error as Error).message}`);
    }
    const entry = { pipeline, layout: pipeline.getBindGroupLayout(0) };
    this.pipelines.set(kernel.key, entry);
    return entry;
  }

  stats(): PipelineCacheStats {
    return { pipelines: this.pipelines.size, hits: this.hits, misses: this.misses };
  }
}
