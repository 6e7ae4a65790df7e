/**
 * `pnpm fuzz [--cases N] [--seed S] [--first-case F] [--only-case I] [--targets NAME,...] [--json]`: the long
 * fuzz run whose table goes into RELIABILITY.md; `--targets` picks readers by name (e.g. "i2L model reader"). Exits 1 when any target crashed, hung or accepted an invalid file.
 */
import { parseArgs } from 'node:util';
import { FUZZ_TARGETS } from './fuzz-targets.js';
import { formatFuzzTable, runFuzz } from './run-fuzz.js';

const { values } = parseArgs({
  options: {
    cases: { type: 'string', default: '2000' },
    seed: { type: 'string', default: '1' },
    'only-case': { type: 'string' },
    'first-case': { type: 'string' },
    targets: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const count = (v: string, flag: string): number => {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) {
    process.stderr.write(`fuzz: ${flag} ${v}: expected an integer >= 0\n`);
    process.exit(2);
  }
  return n;
};
const pickTargets = (list: string) =>
  list.split(',').map((name) => {
    const target = FUZZ_TARGETS.find((t) => t.name.toLowerCase() === name.trim().toLowerCase());
    if (!target) {
      process.stderr.write(`fuzz: --targets ${name}: no such target; expected one of ${FUZZ_TARGETS.map((t) => `"${t.name}"`).join(', ')}\n`);
      process.exit(2);
    }
    return target;
  });
const report = await runFuzz({
  targets: values.targets === undefined ? undefined : pickTargets(values.targets),
  cases: count(values.cases, '--cases'),
  seed: count(values.seed, '--seed'),
  onlyCase: values['only-case'] === undefined ? undefined : count(values['only-case'], '--only-case'),
  firstCase: values['first-case'] === undefined ? undefined : count(values['first-case'], '--first-case'),
  onProgress: (done, total) => {
    if (done % 1000 === 0 || done === total) process.stderr.write(`fuzz: ${done}/${total}\n`);
  },
});
if (values.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
else {
  process.stdout.write(`seed ${report.seed}, ${report.cases} cases, ${report.seconds.toFixed(1)} s\n\n${formatFuzzTable(report)}\n`);
  for (const f of report.failures.slice(0, 30)) process.stdout.write(`${f.kind} ${f.target} case ${f.caseIndex} (${f.seedFile}; ${f.mutators.join(', ')}): ${f.detail}\n`);
}
process.exitCode = report.failures.length > 0 ? 1 : 0;
