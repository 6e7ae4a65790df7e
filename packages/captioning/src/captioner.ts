/** An image handed to a captioner. */
export interface CaptionImage {
  /** Encoded image bytes (PNG, JPEG or WebP). */
  readonly bytes: Uint8Array;
  readonly mimeType: 'image/png' | 'image/jpeg' | 'image/webp';
  /** Where the image came from (dataset-relative path), for messages; offline captioners also read sidecars next to it. */
  readonly path: string;
  /** Absolute path on disk, when there is one. */
  readonly file?: string;
}

/** One caption request. */
export interface CaptionRequest {
  readonly image: CaptionImage;
  /** The instruction sent to the model. */
  readonly prompt: string;
  /** Aborts the request (per-request timeout or a cancelled run). */
  readonly signal: AbortSignal;
}

/** Anything that turns an image into caption text: an HTTP vision-language model or the embedded offline captioner. */
export interface Captioner {
  /** Backend name for logs (`openai`, `gemini`, `ollama`, `offline`). */
  readonly backend: string;
  /** Model id sent to the backend. */
  readonly model: string;
  /** Returns the model's raw text; throws CaptioningError (retryable or not) on failure. */
  caption(request: CaptionRequest): Promise<string>;
}
