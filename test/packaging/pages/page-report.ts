/** What a bundle page reports back to the runner through `window.__loraflowResult`. */
export interface PageReport {
  ok: boolean;
  detail: string;
  /** How many exports the package's namespace has, which keeps the whole package in the bundle. */
  exports: number;
}

/** Runs the page's check and publishes the outcome; the namespace is referenced so nothing is tree-shaken away. */
export function report(namespace: object, check: () => Promise<string>): void {
  const exports = Object.keys(namespace).length;
  const publish = (r: PageReport) => ((globalThis as { __loraflowResult?: PageReport }).__loraflowResult = r);
  check().then(
    (detail) => publish({ ok: true, detail, exports }),
    (error: unknown) => publish({ ok: false, detail: error instanceof Error ? `${error.name}: ${error.message}` : String(error), exports }),
  );
}

/** Largest absolute difference, or Infinity when the lengths differ. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Throws with `what` unless `error <= tol`. */
export function expectClose(what: string, error: number, tol: number): string {
  if (!(error <= tol)) throw new Error(`${what}: error ${error} over ${tol}`);
  return `${what} error ${error.toExponential(1)}`;
}
