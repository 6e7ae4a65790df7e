/** Progress of a layer-by-layer file operation. */
export interface LoraProgress {
  /** Layers finished. */
  readonly done: number;
  readonly total: number;
  /** The module just finished. */
  readonly module: string;
}

/** Receives progress after each layer (for a CLI progress bar). */
export type LoraProgressCallback = (progress: LoraProgress) => void;
