/** Installs the WebAssembly SIMD kernels into the CPU backend (wired once they exist). */
export async function installWasmKernels(): Promise<void> {}
