/** Counters for the buffer pool, for tests and benchmarks. */
export interface BufferPoolStats {
  /** Buffers created over the pool's life. */
  created: number;
  /** Buffers handed out again from the free lists. */
  reused: number;
  /** Buffers currently alive (in use, waiting for release, or free). */
  live: number;
  /** Bytes of all live buffers. */
  liveBytes: number;
  /** Buffers sitting in the free lists. */
  free: number;
}

/** Rounds a byte size up to a bucket: powers of two split in quarters, so waste stays under 25%. */
export function bucketBytes(bytes: number): number {
  const n = Math.max(256, bytes);
  const top = 2 ** Math.floor(Math.log2(n));
  if (top === n) return n;
  const quarter = top / 4;
  return top + Math.ceil((n - top) / quarter) * quarter;
}

/**
 * Size-bucketed GPUBuffer pool. A released buffer is parked until the commands recorded so far
 * are submitted (`recycle()`), because queue.writeBuffer into a reused buffer would otherwise
 * run before earlier, still-unsubmitted dispatches that use it.
 */
export class BufferPool {
  private readonly freeLists = new Map<number, GPUBuffer[]>();
  private parked: GPUBuffer[] = [];
  private readonly all = new Set<GPUBuffer>();
  private readonly stat = { created: 0, reused: 0, liveBytes: 0 };

  constructor(
    private readonly device: GPUDevice,
    private readonly usage: GPUBufferUsageFlags,
  ) {}

  /** A buffer of at least `bytes` bytes (its real size is the bucket size). */
  acquire(bytes: number): GPUBuffer {
    const size = bucketBytes(bytes);
    const list = this.freeLists.get(size);
    const reused = list?.pop();
    if (reused) {
      this.stat.reused++;
      return reused;
    }
    const buffer = this.device.createBuffer({ size, usage: this.usage });
    this.all.add(buffer);
    this.stat.created++;
    this.stat.liveBytes += size;
    return buffer;
  }

  /** Returns a buffer; it becomes reusable after the next `recycle()`. */
  release(buffer: GPUBuffer): void {
    this.parked.push(buffer);
  }

  /** Makes parked buffers reusable; call right after submitting the commands that used them. */
  recycle(): void {
    for (const buffer of this.parked) {
      let list = this.freeLists.get(buffer.size);
      if (!list) this.freeLists.set(buffer.size, (list = []));
      list.push(buffer);
    }
    this.parked = [];
  }

  /** Destroys every free buffer (live ones stay), returning the bytes given back. */
  trim(): number {
    let bytes = 0;
    for (const list of this.freeLists.values()) {
      for (const buffer of list) {
        bytes += buffer.size;
        this.all.delete(buffer);
        buffer.destroy();
      }
    }
    this.freeLists.clear();
    this.stat.liveBytes -= bytes;
    return bytes;
  }

  /** Destroys every buffer the pool ever created. */
  destroy(): void {
    for (const buffer of this.all) buffer.destroy();
    this.all.clear();
    this.freeLists.clear();
    this.parked = [];
    this.stat.liveBytes = 0;
  }

  stats(): BufferPoolStats {
    let free = 0;
    for (const list of this.freeLists.values()) free += list.length;
    return { created: this.stat.created, reused: this.stat.reused, live: this.all.size, liveBytes: this.stat.liveBytes, free };
  }
}
