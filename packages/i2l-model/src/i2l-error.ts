/** Errors of the Image-to-LoRA model: the message names the file, key, shape or option and what was expected. */
export class I2lError extends Error {
  override name = 'I2lError';
}
