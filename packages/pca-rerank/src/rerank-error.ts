/** The one error class of @loraflow/pca-rerank; messages name the layer, file, shape or option and what was expected. */
export class RerankError extends Error {
  override readonly name = 'RerankError';
}
