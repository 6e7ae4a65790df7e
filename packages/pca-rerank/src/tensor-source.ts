import { readSafetensors, type SafetensorsDType } from '@loraflow/tensor-core';

/**
 * What the file driver needs from a safetensors reader: the keys, each tensor's header entry and
 * its raw bytes on demand. tensor-core's lazy reader provides it (`openTensorSource`); tests and
 * other containers can hand in their own.
 */
export interface TensorSource {
  /** The file path or a name for error messages. */
  readonly name: string;
  readonly keys: readonly string[];
  readonly metadata: Readonly<Record<string, string>>;
  /** Header dtype and shape of one tensor. */
  info(key: string): { readonly dtype: SafetensorsDType; readonly shape: readonly number[] };
  /** The tensor's little-endian bytes. */
  readRaw(key: string): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** Opens a safetensors file (path) or in-memory image lazily through tensor-core's reader. */
export async function openTensorSource(from: string | Uint8Array | ArrayBuffer): Promise<TensorSource> {
  const reader = await readSafetensors(from);
  return {
    name: reader.name,
    keys: reader.keys,
    metadata: reader.metadata,
    info: (key) => reader.info(key),
    readRaw: async (key) => (await reader.readRaw(key)).bytes,
    close: () => reader.close(),
  };
}
