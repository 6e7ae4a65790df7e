/** The error every @loraflow/datasets function throws; the message names the file, option or shape at fault and what was expected. */
export class DatasetError extends Error {
  override readonly name = 'DatasetError';
}
