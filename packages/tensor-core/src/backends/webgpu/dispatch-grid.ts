/**
 * Workgroup counts for `total` workgroups, spread over x and y when x alone would pass
 * maxComputeWorkgroupsPerDimension; kernels rebuild the flat index from num_workgroups.
 */
export function dispatchGrid(total: number, maxPerDim: number): [number, number, number] {
  if (total <= maxPerDim) return [Math.max(1, total), 1, 1];
  const y = Math.ceil(total / maxPerDim);
  const x = Math.ceil(total / y);
  return [x, y, 1];
}
