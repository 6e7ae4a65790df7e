/** A file being written under a temporary name; `commit` renames it into place, `abort` deletes it. */
export interface AtomicFile {
  readonly path: string;
  readonly tempPath: string;
  write(bytes: Uint8Array): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/** The infix that marks loraflow's temp files: `<target>.loraflow-tmp-<pid>-<random>`. */
export const ATOMIC_TEMP_INFIX = '.loraflow-tmp-';

/**
 * Test hook: `<substring>[@n]`. The n-th commit (default the first) of this process whose target
 * path contains the substring prints `atomic-write paused <temp path>` to stderr after the bytes
 * are synced and waits a minute before the rename, so a test can kill the process at the worst moment.
 */
export const PAUSE_BEFORE_RENAME_ENV = 'LORAFLOW_TEST_PAUSE_BEFORE_RENAME';

/** Temp files of this process not yet committed or aborted, removed if the process dies of a signal. */
const liveTemps = new Set<string>();
let signalHooksInstalled = false;
/** node:fs's rmSync, loaded with the first write: exit and signal handlers cannot await an import. */
let rmSync: ((path: string, options: { force: boolean }) => void) | undefined;

function removeLiveTempsSync(): void {
  for (const temp of liveTemps) {
    try {
      rmSync?.(temp, { force: true });
    } catch {
      // Best effort on the way out: the next write to this target sweeps what is left.
    }
  }
  liveTemps.clear();
}

function onSignal(signal: 'SIGINT' | 'SIGTERM'): void {
  // Only act when nobody else handles the signal: a caller with its own handler (the trainer's
  // graceful stop) may still be finishing a write whose temp file must not vanish under it.
  if (process.listenerCount(signal) > 1) return;
  removeLiveTempsSync();
  process.removeListener(signal, onSignal);
  process.kill(process.pid, signal);
}

function installSignalHooks(): void {
  if (signalHooksInstalled || typeof process === 'undefined' || typeof process.on !== 'function') return;
  signalHooksInstalled = true;
  process.on('exit', removeLiveTempsSync);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

function uninstallSignalHooksIfIdle(): void {
  if (!signalHooksInstalled || liveTemps.size > 0) return;
  signalHooksInstalled = false;
  process.removeListener('exit', removeLiveTempsSync);
  process.removeListener('SIGINT', onSignal);
  process.removeListener('SIGTERM', onSignal);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as { code?: string }).code === 'EPERM';
  }
}

/** Per folder, the names that look like temp files, listed once per process (a folder of 10,000 captions is not re-read per write). */
const tempCandidates = new Map<string, Promise<string[]>>();

/**
 * Deletes temp files beside `path` left by processes that no longer run (a kill -9 mid-write
 * cannot clean up after itself). Also matches `<target>.tmp-<pid>-<random>`, the name earlier
 * versions used. A pid reused by an unrelated live process only delays the sweep. The folder is
 * listed once per process: temp files of processes that die while this one runs wait for the next.
 */
export async function removeStaleTempFiles(path: string): Promise<string[]> {
  const [{ readdir, rm }, { basename, dirname, join }] = await Promise.all([import('node:fs/promises'), import('node:path')]);
  const dir = dirname(path);
  const base = basename(path);
  let listing = tempCandidates.get(dir);
  if (!listing) {
    listing = readdir(dir).then(
      (names) => names.filter((n) => n.includes(ATOMIC_TEMP_INFIX) || n.includes('.tmp-')),
      () => [],
    );
    tempCandidates.set(dir, listing);
  }
  const names = await listing;
  const removed: string[] = [];
  for (const name of [...names]) {
    if (!name.startsWith(base)) continue;
    const match = /^(?:\.loraflow-tmp-|\.tmp-)(\d+)-[0-9a-z]+$/.exec(name.slice(base.length));
    if (!match) continue;
    const pid = Number(match[1]);
    if (pid === process.pid || isAlive(pid)) continue;
    await rm(join(dir, name), { force: true });
    names.splice(names.indexOf(name), 1);
    removed.push(join(dir, name));
  }
  return removed;
}

let pauseMatches = 0;

async function pauseIfAsked(path: string, tempPath: string): Promise<void> {
  const wanted = process.env[PAUSE_BEFORE_RENAME_ENV];
  if (!wanted) return;
  const [needle, nth] = wanted.split('@');
  if (!path.includes(needle) || ++pauseMatches !== Number(nth ?? 1)) return;
  process.stderr.write(`atomic-write paused ${tempPath}\n`);
  await new Promise((resolve) => setTimeout(resolve, 60_000));
}

/**
 * Opens `path` for an atomic write: bytes go to a sibling temp file, and only `commit` (fsync +
 * rename) makes them visible, so a crash, a kill or bad input never leaves a half-written file.
 *
 * Decided once for every package: the parent folder is created if missing (scene generation,
 * captions and checkpoints all write into folders they name), and the data is fsynced before the
 * rename (without it a power cut can persist the rename before the bytes, leaving an empty file
 * where the old one was). The folder itself is not fsynced: the rename is atomic either way, and
 * only its durability across a power cut is left to the filesystem's journal.
 * `first` (a file header, say) is written before the file is returned; if that fails the temp file
 * is removed, so a caller never holds a half-started file it must remember to abort.
 */
export async function openAtomicFile(path: string, first?: Uint8Array): Promise<AtomicFile> {
  const [{ mkdir, open, rename, rm }, { dirname }, fs] = await Promise.all([import('node:fs/promises'), import('node:path'), import('node:fs')]);
  rmSync ??= fs.rmSync;
  await mkdir(dirname(path), { recursive: true });
  await removeStaleTempFiles(path);
  const tempPath = `${path}${ATOMIC_TEMP_INFIX}${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  installSignalHooks();
  liveTemps.add(tempPath);
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(tempPath, 'wx');
  } catch (error) {
    liveTemps.delete(tempPath);
    uninstallSignalHooksIfIdle();
    throw error;
  }
  let closed = false;
  const close = async () => {
    if (!closed) {
      closed = true;
      await handle.close();
    }
  };
  const forget = () => {
    liveTemps.delete(tempPath);
    uninstallSignalHooksIfIdle();
  };
  const abort = async () => {
    try {
      await close();
    } finally {
      await rm(tempPath, { force: true });
      forget();
    }
  };
  const file: AtomicFile = {
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
      try {
        await handle.sync();
        await close();
        await pauseIfAsked(path, tempPath);
        await rename(tempPath, path);
      } catch (error) {
        await abort();
        throw error;
      }
      forget();
    },
    abort,
  };
  if (first) {
    try {
      await file.write(first);
    } catch (error) {
      await abort();
      throw error;
    }
  }
  return file;
}

/** Writes a whole file atomically (temp file + fsync + rename; the parent folder is created). */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  // Both steps clean up after themselves: a failed first write or commit removes the temp file.
  const file = await openAtomicFile(path, typeof data === 'string' ? new TextEncoder().encode(data) : data);
  await file.commit();
}
