import { ByteWriter } from './byte-writer.js';
import { FunctionBuilder } from './function-builder.js';
import type { ValType } from './opcodes.js';

/** Limits of an imported linear memory, in 64 KiB pages. */
export interface MemoryImport {
  module: string;
  name: string;
  initial: number;
  maximum: number;
  shared: boolean;
}

interface FuncEntry {
  name: string;
  typeIndex: number;
  exported: boolean;
  builder: FunctionBuilder;
}

const SECTION = { type: 1, import: 2, function: 3, export: 7, code: 10 } as const;

/**
 * Assembles a WebAssembly module: one imported memory (optionally shared) and functions.
 * Functions are numbered in definition order, so a function can call any defined before it.
 */
export class ModuleBuilder {
  private readonly types: string[] = [];
  private readonly typeBytes: Uint8Array[] = [];
  private readonly funcs: FuncEntry[] = [];
  private memory: MemoryImport | null = null;

  /** Imports the module's linear memory. */
  importMemory(mem: MemoryImport): this {
    this.memory = mem;
    return this;
  }

  /** Defines a function; `body` emits its code. Returns the function index for `call`. */
  func(
    name: string,
    params: readonly ValType[],
    results: readonly ValType[],
    body: (f: FunctionBuilder) => void,
    opts: { exported?: boolean } = {},
  ): number {
    const builder = new FunctionBuilder(params, results);
    body(builder);
    this.funcs.push({ name, typeIndex: this.typeIndex(params, results), exported: opts.exported ?? true, builder });
    return this.funcs.length - 1;
  }

  /** The complete module binary. */
  toBytes(): Uint8Array<ArrayBuffer> {
    const out = new ByteWriter().bytes([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
    const section = (id: number, w: ByteWriter) => out.byte(id).sized(w);

    const types = new ByteWriter().u32(this.typeBytes.length);
    for (const t of this.typeBytes) types.bytes(t);
    section(SECTION.type, types);

    if (this.memory) {
      const m = this.memory;
      const imp = new ByteWriter().u32(1).name(m.module).name(m.name).byte(0x02);
      imp.byte(m.shared ? 0x03 : 0x01).u32(m.initial).u32(m.maximum);
      section(SECTION.import, imp);
    }

    const fns = new ByteWriter().u32(this.funcs.length);
    for (const f of this.funcs) fns.u32(f.typeIndex);
    section(SECTION.function, fns);

    const exported = this.funcs.map((f, i) => ({ f, i })).filter(({ f }) => f.exported);
    const exps = new ByteWriter().u32(exported.length);
    for (const { f, i } of exported) exps.name(f.name).byte(0x00).u32(i);
    section(SECTION.export, exps);

    const code = new ByteWriter().u32(this.funcs.length);
    for (const f of this.funcs) code.sized(f.builder.encodeBody());
    section(SECTION.code, code);
    return out.toBytes();
  }

  private typeIndex(params: readonly ValType[], results: readonly ValType[]): number {
    const key = `${params.join(',')}->${results.join(',')}`;
    const found = this.types.indexOf(key);
    if (found >= 0) return found;
    const w = new ByteWriter().byte(0x60).u32(params.length).bytes(params).u32(results.length).bytes(results);
    this.types.push(key);
    this.typeBytes.push(w.toBytes());
    return this.types.length - 1;
  }
}
