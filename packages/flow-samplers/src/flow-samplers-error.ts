/** Error thrown by @loraflow/flow-samplers; the message names the option or value that is wrong and what was expected. */
export class FlowSamplersError extends Error {
  override name = 'FlowSamplersError';
}
