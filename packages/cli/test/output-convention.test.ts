import { Command, type Option } from 'commander';
import { describe, expect, it } from 'vitest';
import { register as registerDevice } from '../src/commands/device.js';
import { register as registerDataset } from '../src/commands/dataset.js';
import { register as registerCaption } from '../src/commands/caption.js';
import { register as registerRerank } from '../src/commands/rerank.js';
import { register as registerLora } from '../src/commands/lora.js';
import { register as registerTrain } from '../src/commands/train.js';
import { register as registerSample } from '../src/commands/sample.js';

function leaves(cmd: Command, path: string[] = []): [string, Command][] {
  const subs = cmd.commands as Command[];
  if (subs.length === 0) return [[path.join(' '), cmd]];
  return subs.flatMap((c) => leaves(c, [...path, c.name()]));
}

describe('one output convention', () => {
  const program = new Command('loraflow');
  for (const register of [registerDevice, registerDataset, registerCaption, registerRerank, registerLora, registerTrain, registerSample]) register(program);

  it('every visible output flag is -o/--output (a file) or --out-dir (a folder)', () => {
    const outputs: string[] = [];
    for (const [name, cmd] of leaves(program)) {
      const visible = (cmd.options as Option[]).filter((o) => !o.hidden && /^--out/.test(o.long ?? ''));
      for (const o of visible) {
        outputs.push(`${name}: ${o.flags}`);
        expect(o.long === '--output' ? o.short : o.long, `${name}: ${o.flags}`).toBe(o.long === '--output' ? '-o' : '--out-dir');
      }
    }
    // The commands that write files or folders all say so the same way.
    expect(outputs).toEqual(expect.arrayContaining(['caption review: -o, --output <file>', 'dataset generate: --out-dir <dir>', 'dataset grid: -o, --output <file>', 'lora convert: -o, --output <file>', 'lora merge: -o, --output <out>', 'lora scale: -o, --output <file>', 'rerank: -o, --output <out>', 'sample: -o, --output <png>']));
  });
});
