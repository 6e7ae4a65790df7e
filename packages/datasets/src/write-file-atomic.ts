/** Writes a file through a temporary sibling and a rename, so readers never see a half-written file (Node only). */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  // Loaded here rather than at the top so browser bundles of this package never need node built-ins.
  const [{ randomBytes }, { mkdir, rename, rm, writeFile }, { dirname }] = await Promise.all([
    import('node:crypto'), import('node:fs/promises'), import('node:path'),
  ]);
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temp, data);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
