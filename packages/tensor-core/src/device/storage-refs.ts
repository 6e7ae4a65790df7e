import type { Backend, Storage } from './backend.js';

const refs = new WeakMap<Storage, number>();

/** Counts one more tensor sharing `storage` (reshape/detach share instead of copying). */
export function retainStorage(storage: Storage): void {
  refs.set(storage, (refs.get(storage) ?? 0) + 1);
}

/** Drops one tensor's hold on `storage`, freeing it when none is left. */
export function releaseStorage(storage: Storage, backend: Backend): void {
  const n = (refs.get(storage) ?? 1) - 1;
  if (n <= 0) {
    refs.delete(storage);
    backend.free(storage);
  } else refs.set(storage, n);
}

/** How many tensors share `storage` (0 when none is recorded). */
export function retainedCount(storage: Storage): number {
  return refs.get(storage) ?? 0;
}
