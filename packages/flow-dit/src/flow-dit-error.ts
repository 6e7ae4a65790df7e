/** Error thrown by @loraflow/flow-dit; the message names the file, key, shape or option that is wrong and what was expected. */
export class FlowDitError extends Error {
  override name = 'FlowDitError';
}
