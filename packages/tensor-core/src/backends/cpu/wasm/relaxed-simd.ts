import { ModuleBuilder } from './emitter/module-builder.js';
import { ValType } from './emitter/opcodes.js';

/** A module whose one function uses f32x4.relaxed_madd; it validates only where relaxed SIMD is on. */
function probeBytes(): Uint8Array<ArrayBuffer> {
  const mb = new ModuleBuilder();
  const { v128 } = ValType;
  mb.func('probe', [v128, v128, v128], [v128], (f) => {
    const [a, b, c] = f.params;
    f.get(a).get(b).get(c).f32x4RelaxedMadd();
  });
  return mb.toBytes();
}

/**
 * Whether this engine compiles relaxed SIMD. Node 20 (V8 11.3) has it behind
 * `--experimental-wasm-relaxed-simd`; V8 reads that flag per compilation, so setting it with
 * v8.setFlagsFromString after startup works. `enableInNode` allows doing that.
 */
export async function detectRelaxedSimd(enableInNode: boolean): Promise<boolean> {
  const bytes = probeBytes();
  if (WebAssembly.validate(bytes)) return true;
  if (!enableInNode || typeof process === 'undefined' || typeof process.versions?.node !== 'string') return false;
  const v8 = await import('node:v8');
  v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  return WebAssembly.validate(bytes);
}
