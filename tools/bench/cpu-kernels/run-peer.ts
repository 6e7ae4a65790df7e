/** Runs one benchmark peer as its own process and collects the BENCH_RESULT line it prints. */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RESULT_PREFIX, type PeerResult } from './measure.js';

/** The repository root (peers run there). */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Debian's python with torch; see peer-torch.py. */
export const PYTHON = '/usr/bin/python3';

/** A peer's result, or why it gave none. */
export type PeerOutcome = PeerResult | { error: string };

/** Environment for the PyTorch peers: OpenBLAS/OpenMP on `threads` threads, OPENBLAS_CORETYPE unset for AVX-512. */
export function torchEnv(threads: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads), OMP_WAIT_POLICY: 'PASSIVE' };
  delete env.OPENBLAS_CORETYPE;
  return env;
}

/** Runs a TypeScript peer script (under tsx) or, with `python`, a Python one; its stderr passes through. */
export function runPeer(script: string, args: string[], opts: { python?: boolean; env?: NodeJS.ProcessEnv; label?: string } = {}): PeerOutcome {
  process.stderr.write(`running ${opts.label ?? script} (load ${loadavg()[0].toFixed(2)})...\n`);
  const [cmd, pre] = opts.python ? [PYTHON, []] : [process.execPath, ['--conditions=development', '--import', 'tsx']];
  const r = spawnSync(cmd, [...pre, script, ...args], {
    cwd: REPO_ROOT,
    env: opts.env ?? process.env,
    encoding: 'utf8',
    timeout: 20 * 60_000,
    maxBuffer: 64 << 20,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (r.stderr) process.stderr.write(r.stderr.split('\n').filter((l) => l.startsWith('  ')).map((l) => `${l}\n`).join(''));
  const line = r.stdout?.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
  if (!line) {
    const why = r.error ? String(r.error) : `exit ${r.status ?? r.signal}: ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' | ').slice(0, 400)}`;
    return { error: why };
  }
  return JSON.parse(line.slice(RESULT_PREFIX.length)) as PeerResult;
}

/** A peer's timing for one key, or null when it has none (not run, failed, or not applicable). */
export function peerTiming(p: PeerOutcome | null, key: string): PeerResult['sizes'][string] | null {
  return p && 'sizes' in p ? (p.sizes[key] ?? null) : null;
}

/** Markdown table with right-aligned cells. */
export function markdownTable(head: string[], body: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padStart(widths[i])).join(' | ')} |`;
  return [line(head), `| ${widths.map((w) => '-'.repeat(Math.max(1, w - 1)) + ':').join(' | ')} |`, ...body.map(line)].join('\n');
}
