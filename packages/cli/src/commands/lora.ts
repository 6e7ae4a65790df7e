import type { Command } from 'commander';
import { registerLoraConvert } from './lora-convert.js';
import { registerLoraInspect } from './lora-inspect.js';
import { registerLoraMerge } from './lora-merge.js';
import { registerLoraScale } from './lora-scale.js';

/** `loraflow lora <inspect|convert|merge|scale>`: LoRA file tools (kohya, PEFT/diffusers, ComfyUI, DiffSynth). */
export function register(program: Command): void {
  const lora = program
    .command('lora')
    .description('inspect, convert, merge and scale LoRA files (kohya, PEFT/diffusers, ComfyUI/ai-toolkit, DiffSynth; format auto-detected)');
  registerLoraInspect(lora);
  registerLoraConvert(lora);
  registerLoraMerge(lora);
  registerLoraScale(lora);
}
