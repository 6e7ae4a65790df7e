import { SafetensorsError } from '../errors.js';

/** Random-access bytes: a file handle in Node or an in-memory buffer anywhere. */
export interface ByteSource {
  /** A name for error messages (the file path, or "<buffer>"). */
  readonly name: string;
  readonly size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** A ByteSource over bytes already in memory (browser uploads, fetch() results, tests). */
export function bufferSource(bytes: ArrayBuffer | Uint8Array, name = '<buffer>'): ByteSource {
  // A plain Uint8Array view (not a Node Buffer subclass) so subarray/slice keep standard semantics.
  const view = bytes instanceof Uint8Array ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : new Uint8Array(bytes);
  return {
    name,
    size: view.byteLength,
    async read(offset, length) {
      if (offset < 0 || offset + length > view.byteLength) throw new SafetensorsError(`${name}: read of ${length} bytes at ${offset} is past the end (${view.byteLength} bytes)`);
      return view.subarray(offset, offset + length);
    },
    async close() {},
  };
}

/** Opens `path` read-only, turning the usual failures into one-line errors that name the path. */
async function openForReading(path: string) {
  const { open } = await import('node:fs/promises');
  try {
    return await open(path, 'r');
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ENOENT') throw new SafetensorsError(`${path}: no such file`);
    if (code === 'EISDIR') throw new SafetensorsError(`${path}: is a directory, not a file`);
    if (code === 'EACCES' || code === 'EPERM') throw new SafetensorsError(`${path}: permission denied`);
    throw error;
  }
}

/** A ByteSource over a file, read lazily with positional reads (Node only). */
export async function fileSource(path: string): Promise<ByteSource> {
  const handle = await openForReading(path);
  const stats = await handle.stat();
  if (!stats.isFile()) {
    await handle.close();
    throw new SafetensorsError(`${path}: is a directory or device, not a file`);
  }
  const { size } = stats;
  return {
    name: path,
    size,
    async read(offset, length) {
      const out = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await handle.read(out, done, length - done, offset + done);
        if (bytesRead === 0) throw new SafetensorsError(`${path}: unexpected end of file at byte ${offset + done} (file has ${size})`);
        done += bytesRead;
      }
      return out;
    },
    close: () => handle.close(),
  };
}
