import { Module } from '@loraflow/tensor-core';
import { LoraError } from '../lora-error.js';

/**
 * Named child modules (PEFT's `lora_A.<adapter>` ModuleDict), so adapter parameters get the dotted
 * names `to_q.lora_A.default.weight` / `to_q.lora_B.style.weight`.
 */
export class AdapterDict<T = Module> extends Module {
  /** The module of an adapter (throws naming it if absent). */
  get(name: string): T {
    const m = (this as unknown as Record<string, unknown>)[name];
    if (!(m instanceof Module)) throw new LoraError(`no adapter "${name}" (have: ${this.names().join(', ') || 'none'})`);
    return m as unknown as T;
  }

  /** Whether an adapter exists. */
  has(name: string): boolean {
    return (this as unknown as Record<string, unknown>)[name] instanceof Module;
  }

  /** Adds or replaces an adapter's module. */
  set(name: string, module: T): void {
    if (!/^[A-Za-z0-9_-]+$/.test(name) || name in Module.prototype || name === 'training') throw new LoraError(`adapter name "${name}" must be letters, digits, "_" or "-" (it becomes part of parameter names)`);
    (this as unknown as Record<string, unknown>)[name] = module;
  }

  /** Removes an adapter's module. */
  delete(name: string): void {
    delete (this as unknown as Record<string, unknown>)[name];
  }

  /** Adapter names in insertion order. */
  names(): string[] {
    return this.namedChildren().map(([n]) => n);
  }
}
