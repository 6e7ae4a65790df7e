/** The down/up (and optional alpha) keys of one LoRA layer in a file. */
export interface LoraKeyPair {
  /** The key stem shared by the layer's tensors, e.g. `lora_unet_blocks_0_attn_to_q` or `transformer.blocks.0.attn.to_q`. */
  readonly stem: string;
  readonly downKey: string;
  readonly upKey: string;
  readonly alphaKey?: string;
}

/**
 * Key suffixes of the formats we re-rank in place: kohya (`lora_down`/`lora_up` + `.alpha`),
 * PEFT / diffusers / ComfyUI (`lora_A`/`lora_B`), DiffSynth (`lora_A.default`).
 * Re-ranking keeps every key and only changes shapes, so the prefix convention of each format
 * (`lora_unet_`, `transformer.`, `diffusion_model.`) never needs to be understood here.
 */
const SUFFIXES: readonly (readonly [down: string, up: string])[] = [
  ['.lora_down.weight', '.lora_up.weight'],
  ['.lora_A.default.weight', '.lora_B.default.weight'],
  ['.lora_A.weight', '.lora_B.weight'],
  ['.lora.down.weight', '.lora.up.weight'],
];

/** Groups a file's keys into LoRA layers; keys that belong to no pair (biases, DoRA scales, ...) come back in `others`. */
export function pairLoraKeys(keys: readonly string[]): { pairs: LoraKeyPair[]; others: string[]; unpaired: string[] } {
  const present = new Set(keys);
  const used = new Set<string>();
  const pairs: LoraKeyPair[] = [];
  const unpaired: string[] = [];
  for (const key of keys) {
    for (const [down, up] of SUFFIXES) {
      if (!key.endsWith(down)) continue;
      const stem = key.slice(0, -down.length);
      const upKey = stem + up;
      if (!present.has(upKey)) {
        unpaired.push(key);
        break;
      }
      const alphaKey = present.has(`${stem}.alpha`) ? `${stem}.alpha` : undefined;
      pairs.push({ stem, downKey: key, upKey, ...(alphaKey ? { alphaKey } : {}) });
      for (const k of [key, upKey, alphaKey]) if (k) used.add(k);
      break;
    }
  }
  for (const [down, up] of SUFFIXES) for (const key of keys) if (key.endsWith(up) && !present.has(key.slice(0, -up.length) + down)) unpaired.push(key);
  return { pairs, others: keys.filter((k) => !used.has(k)), unpaired };
}
