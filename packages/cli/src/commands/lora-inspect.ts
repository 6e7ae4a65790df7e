import type { Command } from 'commander';
import { inspectLoraFile, type LoraFileSummary } from '@loraflow/lora-adapters';
import { humanBytes } from '@loraflow/tensor-core';
import { MODULES_HELP, moduleNamesFlag } from './lora-cli-options.js';

const counts = (m: Record<string, number>) => Object.entries(m).map(([k, v]) => `${k} x ${v}`).join(', ');

/** The human-readable inspection. */
export function formatLoraSummary(s: LoraFileSummary, withLayers: boolean): string {
  const lines = [
    `file:       ${s.file}`,
    `format:     ${s.format} — ${s.formatName}`,
    `layers:     ${s.layers} (${s.linearLayers} linear, ${s.convLayers} conv)${s.unresolved ? `; ${s.unresolved} kohya names not resolved (use --modules)` : ''}`,
    `ranks:      ${counts(s.ranks)}`,
    `alphas:     ${counts(s.alphas)}`,
    `dtypes:     ${counts(s.dtypes)}`,
    `parameters: ${s.parameters.toLocaleString('en-US')}`,
    `size:       ${humanBytes(s.tensorBytes)} of tensor data`,
  ];
  lines.push(`modules:    ${s.moduleGroups.length} kinds`);
  for (const g of s.moduleGroups) lines.push(`  ${g.pattern}${g.count > 1 ? ` x ${g.count}` : ''}`);
  const meta = Object.entries(s.metadata);
  lines.push(`metadata:   ${meta.length} keys`);
  for (const [k, v] of meta) lines.push(`  ${k}: ${v.length > 100 ? `${v.slice(0, 97)}...` : v}`);
  if (withLayers) {
    lines.push('layers:');
    for (const m of s.modules) {
      const kernel = m.kind === 'conv' ? ` ${m.kernel.join('x')}` : '';
      lines.push(`  ${m.module}  ${m.kind}${kernel} ${m.inFeatures}->${m.outFeatures}  rank ${m.rank}  alpha ${m.alpha}  ${m.dtype}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** `loraflow lora inspect FILE`: format, modules, ranks, alphas, dtypes, parameter count, size and metadata. */
export function registerLoraInspect(lora: Command): void {
  lora
    .command('inspect')
    .description('show a LoRA file\'s format, layers, ranks, alphas, dtypes, parameter count, size and metadata (reads the header only)')
    .argument('<file>', 'LoRA .safetensors')
    .option('--json', 'print machine-readable JSON (includes every module)')
    .option('--layers', 'list every module')
    .option('--modules <file>', MODULES_HELP)
    .action(async (file: string, opts: { json?: boolean; layers?: boolean; modules?: string }) => {
      const summary = await inspectLoraFile(file, { moduleNames: await moduleNamesFlag(opts.modules) });
      process.stdout.write(opts.json ? `${JSON.stringify(summary, null, 2)}\n` : formatLoraSummary(summary, opts.layers ?? false));
    });
}
