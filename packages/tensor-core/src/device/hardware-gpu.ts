/**
 * Whether this machine may have a hardware GPU, decided without loading Dawn. On Linux a GPU driver exposes device
 * nodes (/dev/dri/renderD*, /dev/nvidia*, /dev/dxg under WSL); without them the only adapter Dawn can find is a
 * software one, which `auto` does not pick, and enumerating it prints Dawn's "maxDynamic... artificially reduced"
 * warnings from native code. Other platforms and browsers answer true (ask the adapter).
 */
export async function mayHaveHardwareGpu(): Promise<boolean> {
  const isNode = typeof process !== 'undefined' && Boolean(process.versions?.node);
  if (!isNode || process.platform !== 'linux') return true;
  const { readdir } = await import('node:fs/promises');
  const list = (dir: string) => readdir(dir).catch(() => [] as string[]);
  const [dri, dev] = await Promise.all([list('/dev/dri'), list('/dev')]);
  return dri.some((n) => n.startsWith('renderD') || n.startsWith('card')) || dev.some((n) => /^nvidia\d+$/.test(n) || n === 'dxg');
}
