import type { Storage } from '../../device/backend.js';
import type { DType, StorageArray } from '../../dtype.js';

/** CPU memory: a plain host array in the dtype's storage representation (collected by GC). */
export class CpuStorage implements Storage {
  constructor(
    readonly data: StorageArray,
    readonly dtype: DType,
  ) {}
  get size(): number {
    return this.data.length;
  }
}
