/** Bytes in one WebAssembly memory page. */
export const WASM_PAGE_BYTES = 65536;

/**
 * Largest memory the kernels use, in 64 KiB pages: 2 GiB, so byte addresses stay positive i32s
 * (the kernels compare addresses with signed compares).
 */
export const MAX_MEMORY_PAGES = 32768;
