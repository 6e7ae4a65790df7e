import type { IndexMap } from '../../device/backend.js';

/** Builds an IndexMap where output row r reads source `sources[r]` (or nothing when -1). */
export function gatherMap(sources: Int32Array, key: string): IndexMap {
  const rows = sources.length;
  const rowPtr = new Int32Array(rows + 1);
  let nnz = 0;
  for (let r = 0; r < rows; r++) {
    if (sources[r] >= 0) nnz++;
    rowPtr[r + 1] = nnz;
  }
  const colIdx = new Int32Array(nnz);
  let j = 0;
  for (let r = 0; r < rows; r++) if (sources[r] >= 0) colIdx[j++] = sources[r];
  return { rowPtr, colIdx, rows, key };
}

/** The adjoint of a gather map: each source position sums every output row that read it. */
export function transposeMap(map: IndexMap, sourceSize: number, key: string): IndexMap {
  const counts = new Int32Array(sourceSize + 1);
  for (const c of map.colIdx) counts[c + 1]++;
  for (let i = 0; i < sourceSize; i++) counts[i + 1] += counts[i];
  const rowPtr = counts.slice();
  const fill = counts.slice(0, sourceSize);
  const colIdx = new Int32Array(map.colIdx.length);
  for (let r = 0; r < map.rows; r++) {
    for (let j = map.rowPtr[r]; j < map.rowPtr[r + 1]; j++) colIdx[fill[map.colIdx[j]]++] = r;
  }
  return { rowPtr, colIdx, rows: sourceSize, key };
}

const cache = new Map<string, IndexMap>();
const CACHE_LIMIT = 64;

/** Memoises maps by key (shapes repeat every training step). */
export function cachedMap(key: string, build: () => IndexMap): IndexMap {
  let map = cache.get(key);
  if (!map) {
    map = build();
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
    cache.set(key, map);
  }
  return map;
}
