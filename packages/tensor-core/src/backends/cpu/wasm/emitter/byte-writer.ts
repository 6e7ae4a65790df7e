/** A growable byte buffer with the LEB128 and IEEE encodings the WebAssembly binary format uses. */
export class ByteWriter {
  private buf: Uint8Array<ArrayBuffer> = new Uint8Array(256);
  private len = 0;

  /** Number of bytes written so far. */
  get length(): number {
    return this.len;
  }

  /** Appends one byte. */
  byte(b: number): this {
    if (this.len === this.buf.length) this.grow(1);
    this.buf[this.len++] = b & 0xff;
    return this;
  }

  /** Appends raw bytes. */
  bytes(bs: ArrayLike<number>): this {
    if (this.len + bs.length > this.buf.length) this.grow(bs.length);
    this.buf.set(bs, this.len);
    this.len += bs.length;
    return this;
  }

  /** Appends an unsigned LEB128 integer (u32 range). */
  u32(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`u32 LEB128: ${v} is not an unsigned 32-bit integer`);
    do {
      let b = v % 128;
      v = Math.floor(v / 128);
      if (v !== 0) b |= 0x80;
      this.byte(b);
    } while (v !== 0);
    return this;
  }

  /** Appends a signed LEB128 integer (i32 range; values up to 2^32-1 are taken as their i32 bit pattern). */
  i32(v: number): this {
    if (!Number.isInteger(v) || v < -0x80000000 || v > 0xffffffff) throw new RangeError(`i32 LEB128: ${v} is out of range`);
    v |= 0;
    for (;;) {
      const b = v & 0x7f;
      v >>= 7;
      const done = (v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0);
      this.byte(done ? b : b | 0x80);
      if (done) return this;
    }
  }

  /** Appends a little-endian IEEE single. */
  f32(v: number): this {
    const tmp = new DataView(new ArrayBuffer(4));
    tmp.setFloat32(0, v, true);
    return this.bytes(new Uint8Array(tmp.buffer));
  }

  /** Appends a little-endian IEEE double. */
  f64(v: number): this {
    const tmp = new DataView(new ArrayBuffer(8));
    tmp.setFloat64(0, v, true);
    return this.bytes(new Uint8Array(tmp.buffer));
  }

  /** Appends a UTF-8 name prefixed with its byte length. */
  name(s: string): this {
    const enc = new TextEncoder().encode(s);
    return this.u32(enc.length).bytes(enc);
  }

  /** Appends another writer's bytes prefixed with their length (how sections and bodies are framed). */
  sized(w: ByteWriter): this {
    return this.u32(w.length).bytes(w.toBytes());
  }

  /** A copy of the bytes written. */
  toBytes(): Uint8Array<ArrayBuffer> {
    return this.buf.slice(0, this.len);
  }

  private grow(need: number): void {
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + need));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
}
