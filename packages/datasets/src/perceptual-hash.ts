import { resizeImage } from './image-io.js';
import { withChannels, type RasterImage } from './raster-image.js';

/** A 64-bit difference hash (dHash): for a 9x8 grey thumbnail, one bit per horizontal neighbour pair (left brighter). */
export async function differenceHash(image: RasterImage): Promise<bigint> {
  const small = await resizeImage(withChannels(image, 3), 9, 8, 'linear');
  let hash = 0n;
  for (let y = 0; y < 8; y++) {
    for (let x = 0; x < 8; x++) {
      const i = (y * 9 + x) * 3, j = i + 3;
      const a = small.data[i] * 299 + small.data[i + 1] * 587 + small.data[i + 2] * 114;
      const b = small.data[j] * 299 + small.data[j + 1] * 587 + small.data[j + 2] * 114;
      hash = (hash << 1n) | (a > b ? 1n : 0n);
    }
  }
  return hash;
}

/** Number of differing bits between two 64-bit hashes. */
export function hammingDistance(a: bigint, b: bigint): number {
  let x = a ^ b, n = 0;
  while (x) { x &= x - 1n; n++; }
  return n;
}
