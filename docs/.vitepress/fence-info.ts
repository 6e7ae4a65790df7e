/**
 * The info string of a fenced code block, as the site renders it and the doc test runs it:
 * "ts run", "sh run", "yaml file=style.yaml", "ts no-run needs a browser page".
 * One parser, so a block the page calls tested is exactly a block the doc test runs.
 */
export interface FenceInfo {
  /** Highlighting language: the first word. */
  lang: string;
  /** `run`: the doc test executes the block (ts in-process, sh with bash). */
  run: boolean;
  /** `no-run <reason>`: shown on the page as the reason the doc test skips it. */
  noRunReason?: string;
  /** `file=<name>`: the doc test writes the block to this file (in the page's scratch folder) before the next block runs. */
  file?: string;
}

/** Parses a fence's info string (everything after the opening backticks). */
export function parseFenceInfo(info: string): FenceInfo {
  const words = info.trim().split(/\s+/).filter(Boolean);
  const lang = words[0] ?? '';
  const rest = words.slice(1);
  const result: FenceInfo = { lang, run: false };
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i]!;
    if (word === 'run') result.run = true;
    else if (word.startsWith('file=')) result.file = word.slice('file='.length);
    else if (word === 'no-run') {
      result.noRunReason = rest.slice(i + 1).join(' ');
      break;
    }
  }
  return result;
}

/** Languages the doc test treats as TypeScript / shell. */
export const TS_LANGS = new Set(['ts', 'typescript', 'js', 'javascript']);
export const SH_LANGS = new Set(['sh', 'bash', 'shell', 'console']);
