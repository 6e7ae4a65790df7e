/** lora-adapters in a page: a LoRA serialized to kohya safetensors bytes in memory, read back and converted names checked. */
import * as la from '@loraflow/lora-adapters';
import { expectClose, maxAbsDiff, report } from './page-report.js';

report(la, async () => {
  const [rank, inF, outF] = [2, 3, 4];
  const down = Float32Array.from({ length: rank * inF }, (_, i) => 0.1 * (i + 1));
  const up = Float32Array.from({ length: outF * rank }, (_, i) => -0.05 * (i + 2));
  const layer = {
    module: 'transformer_blocks.0.attn.to_q', kind: 'linear' as const, kernel: [1, 1] as const, rank, alpha: 1,
    down: { dtype: 'F32' as const, shape: [rank, inF], bytes: new Uint8Array(down.buffer) },
    up: { dtype: 'F32' as const, shape: [outF, rank], bytes: new Uint8Array(up.buffer) },
  };
  const bytes = await la.serializeLoraLayers([layer], { format: 'kohya' });
  const reader = await la.openLoraFile(bytes);
  const layers = [];
  for await (const l of reader.iterate()) layers.push(l);
  if (reader.format !== 'kohya' || layers.length !== 1) throw new Error(`read back format ${reader.format} with ${layers.length} layers, expected kohya with 1`);
  const back = la.rawToF32(layers[0].up);
  return `${bytes.length} bytes of kohya safetensors; ${expectClose('up factor round trip', maxAbsDiff(back, up), 0)}`;
});
