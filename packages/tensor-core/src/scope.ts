import type { Tensor } from './tensor.js';

const scopes: Set<Tensor>[] = [];

/** Registers a new tensor with the innermost `tidy` scope (if any). */
export function trackTensor(t: Tensor): void {
  scopes[scopes.length - 1]?.add(t);
}

/** Removes a tensor from every open scope so it outlives them (returns it for chaining). */
export function keep<T extends Tensor>(t: T): T {
  for (const s of scopes) s.delete(t);
  return t;
}

function collectTensors(value: unknown, out: Set<Tensor>, isTensor: (v: unknown) => v is Tensor): void {
  if (isTensor(value)) out.add(value);
  else if (Array.isArray(value)) for (const v of value) collectTensors(v, out, isTensor);
  else if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collectTensors(v, out, isTensor);
  }
}

let tensorCheck: (v: unknown) => v is Tensor = (v): v is Tensor => false;

/** Lets the Tensor module tell scopes how to recognise tensors without an import cycle. */
export function setTensorCheck(check: (v: unknown) => v is Tensor): void {
  tensorCheck = check;
}

/**
 * Runs `fn` and disposes every tensor it created except those it returns (directly, in an array
 * or in a plain object) and those passed to `keep`. Async functions are awaited before cleanup.
 */
export function tidy<T>(fn: () => T): T {
  const scope = new Set<Tensor>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (error) {
    scopes.splice(scopes.lastIndexOf(scope), 1);
    for (const t of scope) t.dispose();
    throw error;
  }
  if (result instanceof Promise) {
    throw new TypeError('tidy(fn): fn returned a Promise; use tidyAsync for async work');
  }
  closeScope(scope, result);
  return result;
}

/** `tidy` for async functions: tensors created while `fn` runs (in this scope) are disposed at the end. */
export async function tidyAsync<T>(fn: () => Promise<T>): Promise<T> {
  const scope = new Set<Tensor>();
  scopes.push(scope);
  let result: T;
  try {
    result = await fn();
  } catch (error) {
    scopes.splice(scopes.lastIndexOf(scope), 1);
    for (const t of scope) t.dispose();
    throw error;
  }
  closeScope(scope, result);
  return result;
}

function closeScope(scope: Set<Tensor>, result: unknown): void {
  scopes.splice(scopes.lastIndexOf(scope), 1);
  const survivors = new Set<Tensor>();
  collectTensors(result, survivors, tensorCheck);
  for (const t of scope) if (!survivors.has(t)) t.dispose();
  const parent = scopes[scopes.length - 1];
  if (parent) for (const t of survivors) if (scope.has(t)) parent.add(t);
}
