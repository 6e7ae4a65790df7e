import { CONTROL_BYTES } from './thread-control.js';
import { MAX_MEMORY_PAGES, WASM_PAGE_BYTES as PAGE } from './memory-pages.js';
import { WasmKernelError } from './wasm-kernel-error.js';

/** Allocations start on cache-line boundaries so panels and rows do not share lines across threads. */
const ALIGN = 64;

/**
 * Scratch space in the kernels' wasm memory for one call: a bump allocator reset per call.
 * Memory grows on demand (wasm memory never shrinks, so it keeps the high-water mark).
 */
export class WasmArena {
  private top = CONTROL_BYTES;

  constructor(
    readonly memory: WebAssembly.Memory,
    /** The memory's maximum, in 64 KiB pages. */
    readonly maxPages: number = MAX_MEMORY_PAGES,
  ) {}

  /** Frees everything allocated since the last reset. */
  reset(): void {
    this.top = CONTROL_BYTES;
  }

  /** Returns the byte address of `bytes` fresh bytes, growing the memory if needed. */
  alloc(bytes: number, what: string): number {
    const addr = this.top;
    const end = addr + Math.ceil(bytes / ALIGN) * ALIGN;
    if (end > this.maxPages * PAGE) {
      throw new WasmKernelError(`wasm kernels: ${what} needs ${end} bytes of wasm memory, over the ${this.maxPages * PAGE} available`);
    }
    const have = this.memory.buffer.byteLength;
    if (end > have) this.memory.grow(Math.ceil((end - have) / PAGE));
    this.top = end;
    return addr;
  }

  /** A Float32Array view of `len` floats at `addr` (fresh, since growing replaces the buffer). */
  f32(addr: number, len: number): Float32Array {
    return new Float32Array(this.memory.buffer, addr, len);
  }

  /** An Int32Array view of `len` words at `addr`. */
  i32(addr: number, len: number): Int32Array {
    return new Int32Array(this.memory.buffer, addr, len);
  }
}
