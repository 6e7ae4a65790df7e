/** Details attached to a failed caption request. */
export interface CaptioningErrorDetails {
  /** Whether trying again may succeed (429, 5xx, timeouts, dropped connections, malformed replies). */
  retryable?: boolean;
  /** HTTP status, when there was a response. */
  status?: number;
  /** Delay the server asked for (Retry-After), in milliseconds. */
  retryAfterMs?: number;
}

/** The error every @loraflow/captioning function throws; the message names the image, endpoint or option at fault. */
export class CaptioningError extends Error {
  override readonly name = 'CaptioningError';
  readonly retryable: boolean;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(message: string, details: CaptioningErrorDetails = {}) {
    super(message);
    this.retryable = details.retryable ?? false;
    this.status = details.status;
    this.retryAfterMs = details.retryAfterMs;
  }
}
