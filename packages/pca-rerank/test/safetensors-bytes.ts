/** Test-side safetensors encoding and decoding, written from the format description, independent of the package. */
export interface TestTensor {
  dtype: 'F32' | 'BF16' | 'F16';
  shape: number[];
  values: ArrayLike<number>;
}

function bf16Bits(x: number): number {
  const f = new Float32Array([x]);
  const u = new Uint32Array(f.buffer)[0];
  return ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff;
}

function bytesOf(t: TestTensor): Uint8Array {
  if (t.dtype === 'F32') return new Uint8Array(Float32Array.from(t.values).buffer);
  if (t.dtype === 'BF16') return new Uint8Array(Uint16Array.from(Array.from(t.values, bf16Bits)).buffer);
  throw new Error('F16 encoding not needed by these tests');
}

/** A complete safetensors file image. */
export function encodeSafetensors(tensors: Record<string, TestTensor>, metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = metadata ? { __metadata__: metadata } : {};
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    const b = bytesOf(t);
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + b.byteLength] };
    chunks.push(b);
    offset += b.byteLength;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.byteLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.byteLength), true);
  out.set(json, 8);
  let at = 8 + json.byteLength;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** Parsed file: header entries, metadata and each tensor decoded to numbers. */
export function decodeSafetensors(input: Uint8Array): { metadata: Record<string, string>; tensors: Record<string, { dtype: string; shape: number[]; values: Float32Array; bytes: Uint8Array }>; headerLength: number } {
  const file = new Uint8Array(input); // a private copy: Node Buffers share pooled memory and slice() without copying
  const n = Number(new DataView(file.buffer).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(file.subarray(8, 8 + n)));
  const data = file.slice(8 + n);
  const tensors: Record<string, { dtype: string; shape: number[]; values: Float32Array; bytes: Uint8Array }> = {};
  let covered = 0;
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const { dtype, shape, data_offsets: [b, e] } = entry as { dtype: string; shape: number[]; data_offsets: [number, number] };
    covered += e - b;
    const bytes = data.slice(b, e);
    const values =
      dtype === 'F32'
        ? new Float32Array(bytes.buffer)
        : Float32Array.from(new Uint16Array(bytes.buffer), (h) => new Float32Array(new Uint32Array([h << 16]).buffer)[0]);
    tensors[name] = { dtype, shape, values, bytes };
  }
  if (covered !== data.byteLength) throw new Error(`data section has ${data.byteLength} bytes, entries cover ${covered}`);
  return { metadata: header.__metadata__ ?? {}, tensors, headerLength: n };
}
