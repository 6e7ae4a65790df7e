/** Thrown by the WebAssembly CPU kernels: the message names the kernel, the shape or option and what was expected. */
export class WasmKernelError extends Error {
  override name = 'WasmKernelError';
}
