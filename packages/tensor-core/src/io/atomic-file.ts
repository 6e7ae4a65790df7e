/** A file being written under a temporary name; `commit` renames it into place, `abort` deletes it. */
export interface AtomicFile {
  readonly path: string;
  readonly tempPath: string;
  write(bytes: Uint8Array): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/**
 * Opens `path` for an atomic write: bytes go to a sibling temp file, and only `commit` (fsync +
 * rename) makes them visible, so a crash or bad input never leaves a half-written file behind.
 */
export async function openAtomicFile(path: string): Promise<AtomicFile> {
  const { open, rename, rm } = await import('node:fs/promises');
  const tempPath = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  const handle = await open(tempPath, 'w');
  let closed = false;
  const close = async () => {
    if (!closed) {
      closed = true;
      await handle.close();
    }
  };
  return {
    path,
    tempPath,
    async write(bytes) {
      let done = 0;
      while (done < bytes.byteLength) {
        const { bytesWritten } = await handle.write(bytes, done, bytes.byteLength - done);
        done += bytesWritten;
      }
    },
    async commit() {
      await handle.sync();
      await close();
      await rename(tempPath, path);
    },
    async abort() {
      await close();
      await rm(tempPath, { force: true });
    },
  };
}

/** Writes a whole file atomically (temp file + rename). */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const file = await openAtomicFile(path);
  try {
    await file.write(typeof data === 'string' ? new TextEncoder().encode(data) : data);
    await file.commit();
  } catch (error) {
    await file.abort();
    throw error;
  }
}
