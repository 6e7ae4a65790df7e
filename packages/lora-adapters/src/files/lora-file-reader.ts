import { quoteForMessage, readSafetensors, shapeForMessage, type RawTensor, type SafetensorsReader } from '@loraflow/tensor-core';
import { layerGeometry } from './check-layer-shapes.js';
import { KohyaNameResolver } from './kohya-name-resolver.js';
import { LoraFormatError } from '../lora-error.js';
import { isLoraFloatDType, rawToF32 } from './lora-factor-codec.js';
import type { LoraFormat } from './lora-format.js';
import type { LoraLayer, LoraLayerInfo, LoraTensorInfo } from '../lora-layer.js';
import { parseLoraKey, type ParsedLoraKey } from './parse-lora-key.js';

/** How to read a LoRA file. */
export interface OpenLoraOptions {
  /** Dotted module paths kohya underscore names are resolved against (default: the Qwen-Image table). */
  moduleNames?: Iterable<string>;
  /** A prebuilt resolver (wins over moduleNames). */
  resolver?: KohyaNameResolver;
}

interface Group {
  stem: string;
  format?: LoraFormat;
  module?: string;
  down?: ParsedLoraKey;
  up?: ParsedLoraKey;
  upBias?: ParsedLoraKey;
  alpha?: ParsedLoraKey;
}

const list = (keys: string[]) => keys.slice(0, 5).map((k) => quoteForMessage(k)).join(', ') + (keys.length > 5 ? ` ... (${keys.length} in all)` : '');

/**
 * A LoRA safetensors file opened for layer-by-layer reading: the format is detected and every
 * layer validated from the header on open (plus the tiny alpha tensors); factors are read only when
 * a layer is asked for, so memory stays bounded by one layer however large the file is.
 */
export class LoraFileReader {
  private readonly byModule: Map<string, LoraLayerInfo>;

  private constructor(
    private readonly file: SafetensorsReader,
    /** The detected layout. */
    readonly format: LoraFormat,
    /** Every layer in file order. */
    readonly layers: readonly LoraLayerInfo[],
  ) {
    this.byModule = new Map(layers.map((l) => [l.module, l]));
  }

  /** Opens and validates a LoRA file (path in Node, or bytes); throws LoraFormatError naming the file and key. */
  static async open(from: string | Uint8Array | ArrayBuffer, opts: OpenLoraOptions = {}): Promise<LoraFileReader> {
    const file = await readSafetensors(from);
    try {
      const resolver = opts.resolver ?? new KohyaNameResolver(opts.moduleNames);
      const { format, layers } = await describeLayers(file, resolver);
      return new LoraFileReader(file, format, layers);
    } catch (error) {
      await file.close();
      throw error;
    }
  }

  /** The file path or buffer name. */
  get name(): string {
    return this.file.name;
  }

  /** The file's `__metadata__` strings. */
  get metadata(): Readonly<Record<string, string>> {
    return this.file.metadata;
  }

  /** The layer for a module path (throws naming the module if absent). */
  layer(module: string): LoraLayerInfo {
    const l = this.byModule.get(module);
    if (!l) throw new LoraFormatError(`${this.name}: no LoRA layer for module ${quoteForMessage(module)}`);
    return l;
  }

  /** Whether the file has a layer for a module path. */
  has(module: string): boolean {
    return this.byModule.has(module);
  }

  /** Reads one layer's factors as stored (dtype preserved). */
  async readLayer(which: LoraLayerInfo | string): Promise<LoraLayer> {
    const info = typeof which === 'string' ? this.layer(which) : which;
    const read = async (t: LoraTensorInfo): Promise<RawTensor> => this.file.readRaw(t.key);
    return {
      module: info.module,
      resolved: info.resolved,
      kind: info.kind,
      kernel: info.kernel,
      rank: info.rank,
      alpha: info.alpha,
      down: await read(info.down),
      up: await read(info.up),
      ...(info.upBias ? { upBias: await read(info.upBias) } : {}),
    };
  }

  /** Yields every layer in file order, reading one at a time. */
  async *iterate(): AsyncGenerator<LoraLayer> {
    for (const info of this.layers) yield await this.readLayer(info);
  }

  [Symbol.asyncIterator](): AsyncGenerator<LoraLayer> {
    return this.iterate();
  }

  /** Total bytes of all LoRA tensors. */
  get byteSize(): number {
    const bytes = (t?: LoraTensorInfo) => (t ? this.file.info(t.key).dataOffsets[1] - this.file.info(t.key).dataOffsets[0] : 0);
    return this.layers.reduce((n, l) => n + bytes(l.down) + bytes(l.up) + bytes(l.upBias), 0);
  }

  /** Releases the file handle. */
  close(): Promise<void> {
    return this.file.close();
  }
}

/** Opens a LoRA file for streaming reads (format auto-detected). */
export function openLoraFile(from: string | Uint8Array | ArrayBuffer, opts: OpenLoraOptions = {}): Promise<LoraFileReader> {
  return LoraFileReader.open(from, opts);
}

function groupKeys(file: SafetensorsReader): Group[] {
  const unknown: string[] = [];
  const groups = new Map<string, Group>();
  const alphas: ParsedLoraKey[] = [];
  for (const key of file.keys) {
    const p = parseLoraKey(key);
    if (!p) {
      unknown.push(key);
      continue;
    }
    if (p.role === 'alpha') {
      alphas.push(p);
      continue;
    }
    const g = groups.get(p.stem) ?? { stem: p.stem };
    groups.set(p.stem, g);
    if (g.format && g.format !== p.format) throw new LoraFormatError(`${file.name}: keys ${quoteForMessage(g.down?.key ?? g.up?.key ?? g.upBias?.key ?? '')} and ${quoteForMessage(key)} share a stem but not a format`);
    g.format = p.format;
    g.module = p.module;
    g[p.role as 'down' | 'up' | 'upBias'] = p;
  }
  if (unknown.length) {
    throw new LoraFormatError(
      `${file.name}: ${unknown.length} key(s) are not LoRA tensors of a supported format: ${list(unknown)}; ` +
        'expected *.lora_down.weight/*.lora_up.weight/*.alpha (kohya) or *.lora_A[.default].weight/*.lora_B[.default].weight ' +
        '(PEFT, ComfyUI, DiffSynth); LoKr, LoHa and DoRA files are not supported',
    );
  }
  for (const a of alphas) {
    const g = groups.get(a.stem);
    if (!g) throw new LoraFormatError(`${file.name}: alpha ${quoteForMessage(a.key)} belongs to no layer (no ${quoteForMessage(`${a.stem}.lora_down.weight`)} or lora_A key)`);
    g.alpha = a;
  }
  return [...groups.values()];
}

async function describeLayers(file: SafetensorsReader, resolver: KohyaNameResolver): Promise<{ format: LoraFormat; layers: LoraLayerInfo[] }> {
  const groups = groupKeys(file);
  if (groups.length === 0) throw new LoraFormatError(`${file.name}: no LoRA tensors found (the file holds ${file.keys.length} tensors)`);
  const formats = new Map<LoraFormat, string>();
  // A group may hold only a bias key (one bit flip in a name makes one); its key still names it.
  for (const g of groups) if (!formats.has(g.format!)) formats.set(g.format!, (g.down ?? g.up ?? g.upBias)!.key);
  if (formats.size > 1) {
    const desc = [...formats].map(([f, k]) => `${f} (${quoteForMessage(k)})`).join(' and ');
    throw new LoraFormatError(`${file.name}: mixes key formats: ${desc}; expected one format per file`);
  }
  const format = groups[0].format!;
  const layers: LoraLayerInfo[] = [];
  const seen = new Map<string, string>();
  for (const g of groups) {
    const info = (p: ParsedLoraKey): LoraTensorInfo => {
      const e = file.info(p.key);
      if (!isLoraFloatDType(e.dtype)) throw new LoraFormatError(`${file.name}: ${quoteForMessage(p.key)} has dtype ${e.dtype}, expected F32, F16, BF16 or F64`);
      return { key: p.key, dtype: e.dtype, shape: e.shape };
    };
    if (!g.down || !g.up) {
      const have = (g.down ?? g.up ?? g.upBias)!.key;
      const missing = !g.down ? 'down (lora_down / lora_A)' : 'up (lora_up / lora_B)';
      throw new LoraFormatError(`${file.name}: layer ${quoteForMessage(g.stem)} has ${quoteForMessage(have)} but no ${missing} factor`);
    }
    const down = info(g.down);
    const up = info(g.up);
    const upBias = g.upBias ? info(g.upBias) : undefined;
    const geo = layerGeometry(down, up, upBias, `${file.name}: ${quoteForMessage(g.down.key)} / ${quoteForMessage(g.up.key)}`);
    let module = g.module!;
    let resolved = true;
    if (format === 'kohya') {
      const dotted = resolver.resolve(module);
      resolved = dotted !== undefined;
      module = dotted ?? module;
    }
    const prev = seen.get(module);
    if (prev) throw new LoraFormatError(`${file.name}: ${quoteForMessage(prev)} and ${quoteForMessage(g.down.key)} both adapt module ${quoteForMessage(module)}`);
    seen.set(module, g.down.key);
    let alpha = geo.rank;
    if (g.alpha) {
      const raw = await file.readRaw(g.alpha.key);
      const n = raw.shape.reduce((a, b) => a * b, 1);
      if (n !== 1 || !isLoraFloatDType(raw.dtype)) throw new LoraFormatError(`${file.name}: alpha ${quoteForMessage(g.alpha.key)} is ${raw.dtype} ${shapeForMessage(raw.shape)}, expected one float`);
      const value = rawToF32(raw, `${file.name}: ${quoteForMessage(g.alpha.key)}`)[0];
      if (!Number.isFinite(value)) throw new LoraFormatError(`${file.name}: alpha ${quoteForMessage(g.alpha.key)} is ${value}, expected a finite number`);
      alpha = value === 0 ? geo.rank : value; // kohya: alpha 0 / None means alpha = rank
    }
    layers.push({ module, resolved, ...geo, alpha, down, up, ...(upBias ? { upBias } : {}), ...(g.alpha ? { alphaKey: g.alpha.key } : {}) });
  }
  return { format, layers };
}
