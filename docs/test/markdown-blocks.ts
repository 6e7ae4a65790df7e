// Fenced code blocks of a markdown file, with the doc-test flags of their info strings.
import { parseFenceInfo, type FenceInfo } from '../.vitepress/fence-info';

/** One fenced block: its flags, its text and the line its fence opens on (1-based). */
export interface MarkdownBlock extends FenceInfo {
  code: string;
  line: number;
}

/** Every fenced block (``` or ~~~) of a markdown text, in order. */
export function markdownBlocks(text: string): MarkdownBlock[] {
  const lines = text.split('\n');
  const blocks: MarkdownBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const [, indent, fence, info] = open;
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !new RegExp(`^\\s*${fence![0]}{${fence!.length},}\\s*$`).test(lines[j]!)) body.push(lines[j++]!.slice(indent!.length));
    blocks.push({ ...parseFenceInfo(info!), code: body.join('\n') + '\n', line: i + 1 });
    i = j;
  }
  return blocks;
}
