import { tensor, type Tensor } from '@loraflow/tensor-core';
import { DatasetError } from './dataset-error.js';
import { chwToImage, imageToChw } from './image-chw.js';
import type { RasterImage } from './raster-image.js';

/** An 8-bit image as a float32 tensor [C, H, W] in [-1, 1] (RGB, alpha dropped) on the default device. */
export function imageToTensor(image: RasterImage): Tensor {
  const chw = imageToChw(image);
  return tensor(chw.data, [chw.channels, chw.height, chw.width]);
}

/** Reads a [C, H, W] (or [1, C, H, W]) tensor in [-1, 1] back into an 8-bit image, clamping out-of-range values. */
export async function tensorToImage(t: Tensor): Promise<RasterImage> {
  const shape = t.shape.length === 4 && t.shape[0] === 1 ? t.shape.slice(1) : t.shape;
  if (shape.length !== 3) throw new DatasetError(`tensorToImage: tensor shape [${t.shape}], expected [C, H, W] or [1, C, H, W]`);
  const [channels, height, width] = shape;
  const data = await t.data();
  return chwToImage({ data: data instanceof Float32Array ? data : Float32Array.from(data), channels, height, width });
}
