/**
 * What the file driver needs from a safetensors reader: the keys, each tensor's header entry and
 * its raw bytes on demand. Kept this small so the driver runs on any lazy reader (a file handle
 * in Node, an in-memory buffer in tests or the browser).
 */
export interface TensorSource {
  /** The file path or a name for error messages. */
  readonly name: string;
  readonly keys: readonly string[];
  readonly metadata: Readonly<Record<string, string>>;
  /** Header dtype name (`BF16`, `F32`, ...) and shape of one tensor. */
  info(key: string): { readonly dtype: string; readonly shape: readonly number[] };
  /** The tensor's little-endian bytes. */
  readRaw(key: string): Promise<Uint8Array>;
  close(): Promise<void>;
}
