/** Errors from LoRA modules, injection and merging; messages name the module, key, shape or option at fault. */
export class LoraError extends Error {
  override name = 'LoraError';
}

/** A LoRA file that cannot be read, converted or written: names the file, key, shape and what was expected. */
export class LoraFormatError extends LoraError {
  override name = 'LoraFormatError';
}
