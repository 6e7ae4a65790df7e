import { writeFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { StudyGrid } from './style-study.js';

/** Wall and CPU seconds of one stage. */
export interface StageTiming {
  stage: string;
  wallSeconds: number;
  cpuSeconds: number;
}

/** Everything the report page shows. */
export interface StyleLoraReport {
  mode: string;
  modelDir: string;
  heldOutTheme: string;
  trigger: string;
  datasetImages: number;
  sampleCaptions: string[];
  classifierAccuracy: number;
  training: { steps: number; seconds: number; firstLoss: number; lastLoss: number; recipe: Record<string, unknown>; lora: string; emaLora?: string; lossCurve?: string };
  grids: StudyGrid[];
  timings: StageTiming[];
  device: string;
}

const pct = (x: number) => `${(100 * x).toFixed(0)}%`;

function tableRows(g: StudyGrid): string[][] {
  return g.rows.map((r) => [r.label, `${r.recognised}/${r.samples} (${pct(r.score)})`, r.stats.saturation.toFixed(3), `${(100 * r.stats.clipped).toFixed(2)}%`, r.stats.contrast.toFixed(3), r.seconds.toFixed(1)]);
}

const HEAD = ['setting', 'style score', 'saturation', 'clipped', 'contrast', 'seconds'];

const NOTES: Record<StudyGrid['id'], string> = {
  samplers: 'Heun makes two model calls per step (2N - 1 in all) against Euler\'s one; the report found Euler as good or better in places.',
  scales: 'output = base + scale x LoRA: scale 0 is the base model, which never saw the theme; the style score should rise with the scale.',
  cfg: 'pred = neg + s (pos - neg); "norm" rescales the result to the positive prediction\'s norm (Qwen-Image true CFG). Very high CFG collapses: watch saturation and clipping.',
  steps: 'Flow matching integrates an ODE: few steps mean large integration error, more steps converge.',
};

/** The Markdown page. */
export function reportMarkdown(r: StyleLoraReport): string {
  const lines = [
    `# Style LoRA: ${r.heldOutTheme} ("${r.trigger}")`,
    '',
    `Mode **${r.mode}** on ${r.device}; base model \`${r.modelDir}\` (never trained on the ${r.heldOutTheme} theme).`,
    `Dataset: ${r.datasetImages} generated ${r.heldOutTheme} scenes captioned offline with the trigger, e.g. "${r.sampleCaptions[0] ?? ''}".`,
    '',
    '![training images](dataset.png)',
    '',
    `Training: ${r.training.steps} steps in ${r.training.seconds.toFixed(0)} s, loss ${r.training.firstLoss.toFixed(3)} -> ${r.training.lastLoss.toFixed(3)}; LoRA \`${r.training.lora}\`${r.training.emaLora ? `, EMA \`${r.training.emaLora}\` (used below)` : ''}.`,
    '',
    '```yaml',
    ...Object.entries(r.training.recipe).map(([k, v]) => `${k}: ${JSON.stringify(v)}`),
    '```',
    '',
    r.training.lossCurve ? `![loss curve](${r.training.lossCurve})` : '',
    '',
    `Style score: the share of samples that a theme classifier (nearest centroid over colour statistics, fitted on generator renders of all themes; ${pct(r.classifierAccuracy)} accuracy on unseen renders) calls "${r.heldOutTheme}".`,
    '',
  ];
  for (const g of r.grids) {
    lines.push(`## ${g.title}`, '', NOTES[g.id], '', `![${g.id}](${g.file})`, '', `| ${HEAD.join(' | ')} |`, `| ${HEAD.map(() => '---').join(' | ')} |`);
    for (const row of tableRows(g)) lines.push(`| ${row.join(' | ')} |`);
    lines.push('');
  }
  lines.push('## Time', '', '| stage | wall s | CPU s |', '| --- | --- | --- |', ...r.timings.map((t) => `| ${t.stage} | ${t.wallSeconds.toFixed(1)} | ${t.cpuSeconds.toFixed(1)} |`), '');
  return lines.join('\n');
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The HTML page (self-contained apart from the PNGs beside it). */
export function reportHtml(r: StyleLoraReport): string {
  const table = (head: string[], rows: string[][]) => `<table><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>${rows.map((row) => `<tr>${row.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')}</table>`;
  const sections = r.grids.map((g) => `<section><h2>${esc(g.title)}</h2><p>${esc(NOTES[g.id])}</p><img src="${esc(g.file)}" alt="${esc(g.id)}">${table(HEAD, tableRows(g))}</section>`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Style LoRA: ${esc(r.heldOutTheme)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}img{max-width:100%;image-rendering:pixelated;border:1px solid #ccc}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:right}td:first-child,th:first-child{text-align:left}pre{background:#f5f5f5;padding:.8em}</style></head>
<body><h1>Style LoRA: ${esc(r.heldOutTheme)} (&ldquo;${esc(r.trigger)}&rdquo;)</h1>
<p>Mode <b>${esc(r.mode)}</b> on ${esc(r.device)}; base model <code>${esc(r.modelDir)}</code>, never trained on the ${esc(r.heldOutTheme)} theme.
Dataset: ${r.datasetImages} generated scenes captioned offline with the trigger, e.g. &ldquo;${esc(r.sampleCaptions[0] ?? '')}&rdquo;.
</p><img src="dataset.png" alt="training images"><p>Training: ${r.training.steps} steps in ${r.training.seconds.toFixed(0)} s, loss ${r.training.firstLoss.toFixed(3)} &rarr; ${r.training.lastLoss.toFixed(3)}.</p>
<pre>${esc(Object.entries(r.training.recipe).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join('\n'))}</pre>
${r.training.lossCurve ? `<img src="${esc(r.training.lossCurve)}" alt="loss curve">` : ''}
<p>Style score: the share of samples a theme classifier (nearest centroid over colour statistics of generator renders of every theme; ${pct(r.classifierAccuracy)} accuracy on unseen renders) calls &ldquo;${esc(r.heldOutTheme)}&rdquo;.</p>
${sections}
<h2>Time</h2>${table(['stage', 'wall s', 'CPU s'], r.timings.map((t) => [t.stage, t.wallSeconds.toFixed(1), t.cpuSeconds.toFixed(1)]))}
</body></html>
`;
}

async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, text);
  await rename(tmp, path);
}

/** Writes report.md, report.html and report.json into `dir`. */
export async function writeStyleReport(dir: string, r: StyleLoraReport): Promise<void> {
  await writeAtomic(join(dir, 'report.md'), reportMarkdown(r));
  await writeAtomic(join(dir, 'report.html'), reportHtml(r));
  await writeAtomic(join(dir, 'report.json'), `${JSON.stringify(r, null, 2)}\n`);
}
