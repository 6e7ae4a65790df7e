/**
 * One decode in its own process (so its peak RSS is its own): a Style LoRA from N synthetic
 * embeddings through generateI2lLora, written as bf16 DiffSynth keys. Prints one JSON line.
 *   node --conditions=development --import tsx tools/bench/i2l-decode/run-decode.ts MODEL OUT N
 */
import { generateI2lLora, type I2lEmbedding } from '../../../packages/i2l-model/src/index.js';

const [model, output, count] = process.argv.slice(2);
const images = Number(count ?? 1);
const embeddings: I2lEmbedding[] = Array.from({ length: images }, (_, i) => ({ imageEmbedding: new Float32Array(5632).map((_, j) => Math.sin(0.37 * j + i + 1)) }));
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const result = await generateI2lLora({ experts: [{ model, embeddings }], output, dtype: 'BF16' });
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
console.log(JSON.stringify({ images, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, peakRssBytes: process.resourceUsage().maxRSS * 1024, bytesRead: result.bytesRead, modules: result.modules, rank: result.rank }));
