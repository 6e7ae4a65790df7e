// Expected row norm of kaiming_uniform(a=sqrt(5)) down rows: entries U(-1/sqrt(in), 1/sqrt(in)).
const PADDING_ROW_NORM = 1 / Math.sqrt(3);

/** FNV-1a of a layer name mixed with the user seed, so each layer's padding is fixed whatever the layer order. */
export function layerSeed(seed: number, name: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/**
 * Fills the zero-padded down rows `[kept, rankOut)` with seeded random directions, orthonormal to the
 * kept down rows and to each other, scaled to row norm 1/sqrt(3) (the expected norm of kohya's and
 * PEFT's kaiming-uniform down init), and leaves their up columns zero, so the delta is unchanged.
 * Why: a component that is zero in both factors gets zero gradient in both and never trains; with a
 * random down row and a zero up column it starts like a freshly initialised LoRA channel.
 */
export function fillTrainablePadding(down: Float32Array, cols: number, kept: number, rankOut: number, seed: number): void {
  // Only `cols` orthonormal rows exist; rows past that stay zero.
  const last = Math.min(rankOut, cols);
  let state = (seed >>> 0) || 1;
  const uniform = (): number => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return ((state >>> 0) + 1) / 4294967297;
  };
  const rows: Float64Array[] = [];
  for (let j = 0; j < kept; j++) {
    const row = Float64Array.from(down.subarray(j * cols, (j + 1) * cols));
    let norm = 0;
    for (let c = 0; c < cols; c++) norm += row[c] * row[c];
    norm = Math.sqrt(norm);
    if (norm > 0) rows.push(row.map((x) => x / norm));
  }
  for (let j = kept; j < last; j++) {
    const row = new Float64Array(cols);
    for (let c = 0; c < cols; c++) row[c] = Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
    // Twice-repeated Gram-Schmidt keeps the rows orthogonal to working precision.
    for (let pass = 0; pass < 2; pass++) {
      for (const q of rows) {
        let dot = 0;
        for (let c = 0; c < cols; c++) dot += q[c] * row[c];
        for (let c = 0; c < cols; c++) row[c] -= dot * q[c];
      }
    }
    let norm = 0;
    for (let c = 0; c < cols; c++) norm += row[c] * row[c];
    norm = Math.sqrt(norm);
    for (let c = 0; c < cols; c++) row[c] /= norm;
    rows.push(row);
    for (let c = 0; c < cols; c++) down[j * cols + c] = row[c] * PADDING_ROW_NORM;
  }
}
