/** The sharp constructor's type. */
export type SharpFactory = typeof import('sharp').default;

let sharpModule: Promise<SharpFactory> | undefined;

/** Loads sharp on first use, so bundles for browsers that never call the Node codec never reach it. */
export function loadSharp(): Promise<SharpFactory> {
  sharpModule ??= import('sharp').then((m) => m.default);
  return sharpModule;
}
