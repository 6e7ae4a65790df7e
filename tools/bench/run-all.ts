/**
 * `pnpm bench` for the runtime: runs each tensor-core benchmark in its own process, one after the
 * other (they measure peers in the same run and print their own tables; JSON lands in bench-results/).
 *   node --conditions=development --import tsx tools/bench/run-all.ts [--quick]
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const quick = process.argv.includes('--quick');
const root = fileURLToPath(new URL('../..', import.meta.url));
const benches: [string, string[]][] = [
  ['CPU matmul 256-2048 vs plain JS, tfjs-wasm, onnxruntime-node, PyTorch', ['tools/bench/cpu-kernels/matmul.ts', ...(quick ? ['--sizes', '512,1024'] : [])]],
  ['CPU attention (fused vs unfused vs PyTorch)', ['tools/bench/cpu-kernels/attention.ts']],
  ['CPU row and elementwise kernels vs plain JS', ['tools/bench/cpu-kernels/rows.ts']],
  ['conv2d at UNet/VAE shapes vs PyTorch', ['tools/bench/conv2d/conv.ts']],
  ['transformer block forward+backward vs PyTorch', ['tools/bench/transformer-block/block.ts']],
  ['WebGPU matmul vs tfjs-webgpu on the same Dawn adapter', ['tools/bench/webgpu/matmul.ts']],
  ['WebGPU fused LoRA linear', ['tools/bench/webgpu/lora-linear.ts']],
  ['WebGPU attention', ['tools/bench/webgpu/attention.ts']],
];

let failed = 0;
for (const [title, args] of benches) {
  console.log(`\n## ${title}\n`);
  const r = spawnSync(process.execPath, ['--conditions=development', '--import', 'tsx', ...args], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.log(`(exited with ${r.status ?? r.signal})`);
  }
}
process.exit(failed ? 1 : 0);
