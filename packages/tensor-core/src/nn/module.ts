import { StateDictError } from '../errors.js';
import { noGrad } from '../autograd/grad-mode.js';
import { cast } from '../ops/cast.js';
import { Tensor } from '../tensor.js';
import { Parameter } from './parameter.js';

/** Result of a non-strict state-dict load. */
export interface LoadReport {
  missing: string[];
  unexpected: string[];
}

/**
 * A tree of layers whose parameters are named by PyTorch-style dotted paths
 * (`transformer_blocks.0.attn.to_q.weight`): children and parameters are discovered from the
 * object's own properties in assignment order, like `nn.Module.__setattr__` registration.
 */
export class Module {
  /** Training mode (dropout active); toggled with train()/eval(). */
  training = true;

  /** Direct children as [name, module] in registration order. */
  namedChildren(): [string, Module][] {
    return Object.entries(this).filter((e): e is [string, Module] => e[1] instanceof Module);
  }

  /** Own parameters (not children's) as [name, parameter]; null slots (e.g. bias=false) are skipped. */
  ownParameters(): [string, Parameter][] {
    return Object.entries(this).filter((e): e is [string, Parameter] => e[1] instanceof Parameter);
  }

  /** Every parameter with its dotted path, depth-first in registration order. */
  namedParameters(prefix = ''): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    const seen = new Set<Parameter>();
    const walk = (m: Module, path: string) => {
      for (const [name, p] of m.ownParameters()) {
        if (!seen.has(p)) {
          seen.add(p);
          out.push([path + name, p]);
        }
      }
      for (const [name, child] of m.namedChildren()) walk(child, `${path}${name}.`);
    };
    walk(this, prefix ? `${prefix}.` : '');
    return out;
  }

  /** Every parameter. */
  parameters(): Parameter[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Parameters that currently require grad (what an optimizer should update). */
  trainableParameters(): Parameter[] {
    return this.parameters().filter((p) => p.requiresGrad);
  }

  /** Every module (this one first, named '') with its dotted path. */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [name, child] of this.namedChildren()) out.push(...child.namedModules(prefix ? `${prefix}.${name}` : name));
    return out;
  }

  /** The module at a dotted path (throws naming the missing part). */
  getSubmodule(path: string): Module {
    let m: Module = this;
    for (const part of path ? path.split('.') : []) {
      const next = (m as unknown as Record<string, unknown>)[part];
      if (!(next instanceof Module)) throw new StateDictError(`no submodule "${part}" in "${path}"`);
      m = next;
    }
    return m;
  }

  /** Replaces the module at a dotted path (used by LoRA injection). */
  setSubmodule(path: string, module: Module): void {
    const parts = path.split('.');
    const last = parts.pop()!;
    const parent = this.getSubmodule(parts.join('.')) as unknown as Record<string, unknown>;
    if (!(parent[last] instanceof Module)) throw new StateDictError(`no submodule "${path}" to replace`);
    parent[last] = module;
  }

  /** Name -> tensor for every parameter (shares storage with the module). */
  stateDict(): Record<string, Tensor> {
    return Object.fromEntries(this.namedParameters());
  }

  /**
   * Copies tensors into parameters by name, casting dtypes. Shape mismatches always throw; with
   * `strict` (default) missing or unexpected keys throw too, listing them; otherwise they are reported.
   */
  loadStateDict(state: Record<string, Tensor>, opts: { strict?: boolean; source?: string } = {}): LoadReport {
    const strict = opts.strict ?? true;
    const where = opts.source ? `${opts.source}: ` : '';
    const params = new Map(this.namedParameters());
    const missing = [...params.keys()].filter((k) => !(k in state));
    const unexpected = Object.keys(state).filter((k) => !params.has(k));
    for (const [name, p] of params) {
      const t = state[name];
      if (t && (t.ndim !== p.ndim || t.shape.some((d, i) => d !== p.shape[i]))) {
        throw new StateDictError(`${where}"${name}" has shape [${t.shape}], the model expects [${p.shape}]`);
      }
    }
    if (strict && (missing.length || unexpected.length)) {
      const show = (keys: string[]) => keys.slice(0, 10).join(', ') + (keys.length > 10 ? `, ... (${keys.length} in all)` : '');
      throw new StateDictError(
        `${where}state dict does not match the model` +
          (missing.length ? `; missing keys: ${show(missing)}` : '') +
          (unexpected.length ? `; unexpected keys: ${show(unexpected)}` : ''),
      );
    }
    noGrad(() => {
      for (const [name, p] of params) {
        const t = state[name];
        if (t) p.assign(t.dtype === p.dtype ? t.detach() : cast(t, p.dtype));
      }
    });
    return { missing, unexpected };
  }

  /** Sets training mode on the whole tree. */
  train(flag = true): this {
    for (const [, m] of this.namedModules()) m.training = flag;
    return this;
  }

  /** Sets evaluation mode (dropout off). */
  eval(): this {
    return this.train(false);
  }

  /** Sets requiresGrad on every parameter (freeze with false). */
  requiresGrad_(flag = true): this {
    for (const p of this.parameters()) p.requiresGrad = flag;
    return this;
  }

  /** Drops every parameter's gradient. */
  zeroGrad(): void {
    for (const p of this.parameters()) {
      p.grad?.dispose();
      p.grad = null;
    }
  }

  /** Frees every parameter's memory. */
  dispose(): void {
    for (const p of this.parameters()) {
      p.grad?.dispose();
      p.dispose();
    }
  }

  /** Number of parameter elements. */
  numParameters(): number {
    return this.parameters().reduce((n, p) => n + p.size, 0);
  }
}

/** Children addressed by index (`blocks.0`, `to_out.0`), like torch.nn.ModuleList. */
export class ModuleList<T extends Module = Module> extends Module {
  [index: number]: T;
  declare private readonly count: number;

  constructor(modules: readonly T[]) {
    super();
    modules.forEach((m, i) => {
      (this as unknown as Record<string, unknown>)[String(i)] = m;
    });
    Object.defineProperty(this, 'count', { value: modules.length, enumerable: false });
  }

  /** Number of children. */
  get length(): number {
    return this.count;
  }

  /** The children in order. */
  items(): T[] {
    return Array.from({ length: this.count }, (_, i) => this[i]);
  }

  [Symbol.iterator](): Iterator<T> {
    return this.items()[Symbol.iterator]();
  }
}

/** Re-exported so callers can check parameter-ness without importing the file. */
export { Parameter };

/** Type guard for tensors that are parameters. */
export function isParameter(t: Tensor): t is Parameter {
  return t instanceof Parameter;
}
