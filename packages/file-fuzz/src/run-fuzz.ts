import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaseRandom } from './case-random.js';
import { FUZZ_TARGETS, type FuzzTarget } from './fuzz-targets.js';
import { mutate } from './mutators.js';
import { seedFiles } from './seed-files.js';
import { validateSafetensors } from './spec-validator.js';

/** How one target fared over a run. */
export interface TargetTally {
  readonly target: string;
  cases: number;
  /** Refused with a typed, one-line error naming the file. */
  cleanErrors: number;
  /** Anything else thrown (TypeError, RangeError, stack overflow), or a typed error whose message is multi-line, unbounded or nameless. */
  crashes: number;
  /** Took longer than the hang limit. */
  hangs: number;
  /** Accepted a file the validator refuses, or read it differently from the validator. */
  acceptedInvalid: number;
  acceptedValid: number;
  /** Refused a file the validator accepts (informational: LoRA-level rules refuse many valid safetensors files). */
  rejectedValid: number;
  /** Time spent in this target. */
  ms: number;
}

/** A failing case, with what it takes to reproduce it (`pnpm fuzz --seed S --only-case N`). */
export interface FuzzFailure {
  readonly target: string;
  readonly caseIndex: number;
  readonly kind: 'crash' | 'hang' | 'accepted-invalid';
  readonly seedFile: string;
  readonly mutators: readonly string[];
  readonly detail: string;
}

/** What to run. */
export interface FuzzOptions {
  cases?: number;
  seed?: number;
  /** Run only this case index (to reproduce a failure). */
  onlyCase?: number;
  /** First case index (to split a long run into shards that together cover 0..cases). */
  firstCase?: number;
  /** A call slower than this counts as a hang (default 5000 ms). */
  hangMs?: number;
  targets?: readonly FuzzTarget[];
  onProgress?: (done: number, total: number) => void;
}

/** The outcome of a run. */
export interface FuzzReport {
  readonly seed: number;
  readonly cases: number;
  readonly seconds: number;
  readonly tallies: TargetTally[];
  readonly failures: FuzzFailure[];
}

const FUZZ_DEFAULTS = { cases: 2000, seed: 1, hangMs: 5000 };

/** Why a thrown value is not a clean refusal, or undefined when it is one. */
function crashReason(error: unknown, target: FuzzTarget, path: string): string | undefined {
  if (!target.typedErrors.some((cls) => error instanceof cls)) return `${(error as Error)?.name ?? typeof error}: ${String((error as Error)?.message ?? error).slice(0, 200)}`;
  const message = (error as Error).message;
  if (message.includes('\n')) return `multi-line message: ${message.slice(0, 200)}`;
  if (message.length > 1000) return `message of ${message.length} characters`;
  if (!message.includes(path)) return `message does not name the file: ${message.slice(0, 200)}`;
  return undefined;
}

/** Runs the seeded fuzz loop: each case mutates a seed file, asks the validator, then every target. */
export async function runFuzz(options: FuzzOptions = {}): Promise<FuzzReport> {
  const o = { ...FUZZ_DEFAULTS, ...options };
  const targets = options.targets ?? FUZZ_TARGETS;
  const seeds = await seedFiles();
  const dir = await mkdtemp(join(tmpdir(), 'loraflow-fuzz-'));
  const tallies: TargetTally[] = targets.map((t) => ({ target: t.name, cases: 0, cleanErrors: 0, crashes: 0, hangs: 0, acceptedInvalid: 0, acceptedValid: 0, rejectedValid: 0, ms: 0 }));
  const failures: FuzzFailure[] = [];
  const started = performance.now();
  const first = o.onlyCase ?? o.firstCase ?? 0;
  const last = o.onlyCase !== undefined ? o.onlyCase + 1 : o.cases;
  try {
    for (let i = first; i < last; i++) {
      const rnd = new CaseRandom(o.seed, i);
      const seed = rnd.pick(seeds);
      const { bytes, names } = mutate(seed.bytes, rnd);
      const verdict = validateSafetensors(bytes);
      const path = join(dir, `case-${i}.safetensors`);
      await writeFile(path, bytes);
      for (const [t, target] of targets.entries()) {
        const tally = tallies[t];
        tally.cases++;
        const fail = (kind: FuzzFailure['kind'], detail: string) => failures.push({ target: target.name, caseIndex: i, kind, seedFile: seed.name, mutators: names, detail });
        const t0 = performance.now();
        let outcome;
        try {
          outcome = await target.run(path, verdict);
        } catch (error) {
          outcome = { accepted: false as const, error };
        }
        const ms = performance.now() - t0;
        tally.ms += ms;
        if (ms > o.hangMs) {
          tally.hangs++;
          fail('hang', `${ms.toFixed(0)} ms`);
        } else if (outcome.accepted) {
          if (outcome.problem) {
            tally.acceptedInvalid++;
            fail('accepted-invalid', outcome.problem);
          } else tally.acceptedValid++;
        } else {
          const reason = crashReason(outcome.error, target, path);
          if (reason) {
            tally.crashes++;
            fail('crash', reason);
          } else {
            tally.cleanErrors++;
            if (verdict.ok) tally.rejectedValid++;
          }
        }
      }
      await rm(path, { force: true });
      o.onProgress?.(i + 1 - first, last - first);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return { seed: o.seed, cases: last - first, seconds: (performance.now() - started) / 1000, tallies, failures };
}

/** The RELIABILITY.md table of a run. */
export function formatFuzzTable(report: FuzzReport): string {
  const head = '| target | cases | clean errors | crashes | hangs | accepted-but-invalid | accepted-and-valid | (refused though valid safetensors) |';
  const rows = report.tallies.map((t) => `| ${t.target} | ${t.cases} | ${t.cleanErrors} | ${t.crashes} | ${t.hangs} | ${t.acceptedInvalid} | ${t.acceptedValid} | ${t.rejectedValid} |`);
  return [head, '|---|---:|---:|---:|---:|---:|---:|---:|', ...rows].join('\n');
}
