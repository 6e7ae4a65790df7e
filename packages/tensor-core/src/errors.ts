/** Thrown for invalid tensor operations: the message names the op, the shapes and what was expected. */
export class TensorError extends Error {
  override name = 'TensorError';
}

/** Thrown for malformed or mismatched safetensors files: the message names the file and tensor. */
export class SafetensorsError extends Error {
  override name = 'SafetensorsError';
}

/** Thrown when a state dict does not fit a module (missing, unexpected or mis-shaped keys). */
export class StateDictError extends Error {
  override name = 'StateDictError';
}
