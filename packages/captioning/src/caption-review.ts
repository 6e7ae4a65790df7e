import { differenceHash, encodeJpeg, hammingDistance, loadDatasetFolder, readImage, resizeImage, writeFileAtomic } from '@loraflow/datasets';
import { captionFlags, type CaptionFlag, type CaptionFlagOptions } from './caption-flags.js';
import { toBase64 } from './http-json.js';
import { checkOptions, option } from '@loraflow/tensor-core';
import { CaptioningError } from './captioning-error.js';

/** Review sheet settings. */
export interface CaptionReviewOptions extends CaptionFlagOptions {
  /** Output file (default `<dir>/caption-review.html`). */
  out?: string;
  /** Longest thumbnail side in pixels (default 256). */
  thumbnailSize?: number;
  /** dHash distance for "near-duplicate image" (default 4 of 64). */
  duplicateDistance?: number;
  captionExtension?: string;
  recursive?: boolean;
  /** Page title. */
  title?: string;
}

/** One reviewed image. */
export interface ReviewEntry {
  readonly path: string;
  readonly caption: string | undefined;
  readonly flags: CaptionFlag[];
}

/** What the review wrote. */
export interface CaptionReview {
  readonly file: string;
  readonly entries: ReviewEntry[];
  /** Count of images per flag. */
  readonly flagCounts: Partial<Record<CaptionFlag, number>>;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const STYLE = `body{font:14px system-ui,sans-serif;margin:24px;background:#f4f4f6;color:#222}
h1{font-size:20px}.summary span{display:inline-block;margin:0 12px 6px 0}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(280px,1fr));gap:14px}
.card{background:#fff;border-radius:8px;padding:10px;box-shadow:0 1px 3px #0002}
.card.flagged{outline:2px solid #e07a00}.card img{max-width:100%;display:block;margin:0 auto 8px}
.path{font:12px monospace;color:#555;word-break:break-all}.caption{margin:6px 0;white-space:pre-wrap}
.flag{display:inline-block;background:#e07a00;color:#fff;border-radius:4px;padding:1px 6px;margin:2px 4px 0 0;font-size:12px}
.none{color:#999;font-style:italic}`;

/**
 * Writes a static, self-contained HTML contact sheet of a captioned folder: thumbnail, caption and flags
 * (missing trigger, very short, duplicates, people or text mentioned...) per image, flagged images first,
 * so a person can check and fix captions before training.
 */
export async function writeCaptionReview(dir: string, options: CaptionReviewOptions = {}): Promise<CaptionReview> {
  checkOptions('writeCaptionReview', options, {
    trigger: option.string, minWords: option.integer({ min: 0 }), maxWords: option.integer({ min: 1 }), out: option.string, thumbnailSize: option.integer({ min: 8 }),
    duplicateDistance: option.integer({ min: 0, max: 64 }), captionExtension: option.string, recursive: option.boolean, title: option.string,
  }, (m) => new CaptioningError(m));
  const { join } = await import('node:path');
  const file = options.out ?? join(dir, 'caption-review.html');
  const size = options.thumbnailSize ?? 256;
  const items = await loadDatasetFolder(dir, { captionExtension: options.captionExtension, recursive: options.recursive });
  const rows: { entry: ReviewEntry; thumb?: string }[] = [];
  const hashes: { index: number; hash: bigint }[] = [];
  for (const item of items) {
    const flags = captionFlags(item.caption, { trigger: options.trigger, minWords: options.minWords, maxWords: options.maxWords });
    let thumb: string | undefined;
    try {
      const image = await readImage(item.imagePath);
      hashes.push({ index: rows.length, hash: await differenceHash(image) });
      const scale = Math.min(1, size / Math.max(image.width, image.height));
      const small = await resizeImage(image, Math.max(1, Math.round(image.width * scale)), Math.max(1, Math.round(image.height * scale)));
      thumb = `data:image/jpeg;base64,${toBase64(await encodeJpeg(small, 80))}`;
    } catch {
      flags.push('unreadable image');
    }
    rows.push({ entry: { path: item.relativePath, caption: item.caption, flags }, thumb });
  }
  const byCaption = new Map<string, number[]>();
  rows.forEach((r, i) => {
    const key = r.entry.caption?.trim().toLowerCase().replace(/\s+/g, ' ');
    if (key) byCaption.set(key, [...(byCaption.get(key) ?? []), i]);
  });
  for (const group of byCaption.values()) if (group.length > 1) for (const i of group) rows[i].entry.flags.push('duplicate caption');
  const limit = options.duplicateDistance ?? 4;
  const dup = new Set<number>();
  for (let a = 0; a < hashes.length; a++) for (let b = a + 1; b < hashes.length; b++) {
    if (hammingDistance(hashes[a].hash, hashes[b].hash) <= limit) { dup.add(hashes[a].index); dup.add(hashes[b].index); }
  }
  for (const i of dup) rows[i].entry.flags.push('near-duplicate image');
  const flagCounts: Partial<Record<CaptionFlag, number>> = {};
  for (const r of rows) for (const f of r.entry.flags) flagCounts[f] = (flagCounts[f] ?? 0) + 1;
  const ordered = [...rows].sort((a, b) => Number(b.entry.flags.length > 0) - Number(a.entry.flags.length > 0) || a.entry.path.localeCompare(b.entry.path));
  const title = options.title ?? `Caption review: ${dir}`;
  const flagged = rows.filter((r) => r.entry.flags.length).length;
  const cards = ordered.map(({ entry, thumb }) => `<div class="card${entry.flags.length ? ' flagged' : ''}">
${thumb ? `<img src="${thumb}" alt="${escapeHtml(entry.path)}">` : ''}
<div class="path">${escapeHtml(entry.path)}</div>
<div class="caption">${entry.caption ? escapeHtml(entry.caption) : '<span class="none">no caption</span>'}</div>
${entry.flags.map((f) => `<span class="flag">${escapeHtml(f)}</span>`).join('')}
</div>`).join('\n');
  const summary = Object.entries(flagCounts).map(([f, n]) => `<span>${escapeHtml(f)}: <b>${n}</b></span>`).join('');
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><h1>${escapeHtml(title)}</h1>
<div class="summary"><span>images: <b>${rows.length}</b></span><span>flagged: <b>${flagged}</b></span>${summary}</div>
${options.trigger ? `<p>Trigger: <code>${escapeHtml(options.trigger)}</code></p>` : ''}
<div class="grid">
${cards}
</div></body></html>
`;
  await writeFileAtomic(file, html);
  return { file, entries: rows.map((r) => r.entry), flagCounts };
}
