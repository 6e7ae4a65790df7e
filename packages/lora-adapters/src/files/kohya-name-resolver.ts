import { QWEN_IMAGE_MODULE_NAMES } from './qwen-image-modules.js';

/**
 * Maps kohya's underscore module names back to dotted paths. The underscore form is ambiguous
 * (`to_out_0`, `add_q_proj`, `img_mlp_net_0_proj` all contain underscores of their own), so it can
 * only be resolved against the names a model really has.
 */
export class KohyaNameResolver {
  private readonly byUnderscore = new Map<string, string>();

  /** Builds the lookup from dotted module paths (a model's `namedModules()` names or a name table). */
  constructor(moduleNames: Iterable<string> = QWEN_IMAGE_MODULE_NAMES) {
    for (const name of moduleNames) {
      const key = name.replaceAll('.', '_');
      if (!this.byUnderscore.has(key)) this.byUnderscore.set(key, name);
    }
  }

  /** The dotted path for an underscore name (without `lora_unet_`), or undefined when no known module matches. */
  resolve(underscoreName: string): string | undefined {
    return this.byUnderscore.get(underscoreName);
  }

  /** Number of known modules. */
  get size(): number {
    return this.byUnderscore.size;
  }
}
