// Builds PNG files byte by byte (zlib from Node, CRC written here) so decoding is checked against
// pixels that never went through sharp's encoder.
import { deflateSync } from 'node:zlib';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(Buffer.from(type, 'ascii'), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** An RGB (3) or RGBA (4) PNG of the given interleaved samples (8-bit, or 16-bit from a Uint16Array), filter type 0 on every row. */
export function handmadePng(width: number, height: number, channels: 3 | 4, pixels: Uint8Array | Uint16Array): Uint8Array {
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  const bytes = pixels instanceof Uint16Array ? 2 : 1;
  header[8] = 8 * bytes;
  header[9] = channels === 3 ? 2 : 6;
  const stride = width * channels * bytes;
  const raw = new Uint8Array(height * (1 + stride));
  const rows = new DataView(raw.buffer);
  for (let y = 0; y < height; y++) {
    for (let i = 0; i < width * channels; i++) {
      const at = y * (1 + stride) + 1 + i * bytes, v = pixels[y * width * channels + i];
      if (bytes === 2) rows.setUint16(at, v); else raw[at] = v;
    }
  }
  const signature = Uint8Array.from([137, 80, 78, 71, 13, 10, 26, 10]);
  return Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0))]);
}

/** Deterministic pseudo-random bytes in [lo, hi]. */
export function randomBytes(n: number, seed: number, lo = 0, hi = 255): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = lo + ((s >>> 24) % (hi - lo + 1));
  }
  return out;
}
