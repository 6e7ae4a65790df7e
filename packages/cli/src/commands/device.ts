import type { Command } from 'commander';
import { describeDevice, getDevice } from '@loraflow/tensor-core';

/** `loraflow device`: prints the device the runtime picks (adapter, features, limits). */
export function register(program: Command): void {
  program
    .command('device')
    .description('show the compute device loraflow uses (LORAFLOW_DEVICE=webgpu|cpu forces one)')
    .option('--json', 'print machine-readable JSON')
    .action(async (opts: { json?: boolean }) => {
      const device = await getDevice();
      const info = describeDevice(device);
      process.stdout.write(opts.json ? `${JSON.stringify(info, null, 2)}\n` : `${info.summary}\n`);
    });
}
