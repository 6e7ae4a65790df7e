import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig, type DefaultTheme } from 'vitepress';
import { parseFenceInfo } from './fence-info';

const docsRoot = fileURLToPath(new URL('..', import.meta.url));

/** The package guides, in reading order; a guide appears once its page exists. */
const PACKAGE_GUIDES = [
  ['tensor-core', 'tensors, autograd, nn, WebGPU + CPU'],
  ['flow-samplers', 'schedules, samplers, CFG'],
  ['lora-adapters', 'LoRA layers and file formats'],
  ['pca-rerank', 'exact re-ranking of LoRAs'],
  ['datasets', 'images, folders, buckets, scenes'],
  ['captioning', 'VLM captioners, triggers, review'],
  ['flow-dit', 'the small Qwen-Image-shaped model'],
  ['trainer', 'LoRA training from a recipe'],
  ['i2l-model', 'Image-to-LoRA'],
  ['cli', 'the loraflow command'],
] as const;

const RECIPES: [string, string][] = [
  ['style-lora', 'Train a style LoRA on your images'],
  ['convert-lora', 'Convert and inspect a LoRA'],
  ['shrink-lora', 'Shrink a LoRA (re-rank)'],
  ['caption-dataset', 'Caption a dataset with a VLM'],
  ['image-to-lora', 'Image-to-LoRA as a training init'],
  ['tensor-runtime', 'Use the tensor runtime directly'],
];

/**
 * The API sidebars from the one TypeDoc wrote (docs:api runs before dev and build): one per package, so a
 * reference page carries its own package's entries rather than all eight packages' (the pages stay small).
 */
function apiSidebars(): Record<string, DefaultTheme.SidebarItem[]> {
  const file = `${docsRoot}api/typedoc-sidebar.json`;
  const packages: DefaultTheme.SidebarItem[] = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : [];
  const index: DefaultTheme.SidebarItem = { text: 'API reference', link: '/api/', items: packages.map((p) => ({ text: p.text, link: `/api/${p.text}/` })) };
  const sidebars: Record<string, DefaultTheme.SidebarItem[]> = { '/api/': [index] };
  for (const p of packages) sidebars[`/api/${p.text}/`] = [{ text: `← API reference`, link: '/api/' }, { text: `@loraflow/${p.text}`, link: `/api/${p.text}/`, items: p.items }];
  return sidebars;
}

const guideSidebar: DefaultTheme.SidebarItem[] = [
  { text: 'Introduction', items: [
    { text: 'What loraflow is', link: '/' },
    { text: 'Getting started', link: '/guide/getting-started' },
    { text: 'Devices and settings', link: '/guide/devices' },
  ] },
  { text: 'Packages', items: PACKAGE_GUIDES.map(([name, what]) => ({ text: `${name} <span class="sidebar-note">${what}</span>`, link: `/packages/${name}/` })) },
  { text: 'Recipes', items: [{ text: 'All recipes', link: '/recipes/' }, ...RECIPES.map(([slug, text]) => ({ text, link: `/recipes/${slug}` }))] },
  { text: 'Studio', items: [{ text: 'In-browser studio (coming)', link: '/studio/' }] },
  { text: 'Contributing', items: [
    { text: 'How the docs are built and tested', link: '/internals/' },
    { text: 'tensor-core contract', link: '/internals/tensor-core-contract' },
    { text: 'Benchmarks', link: '/internals/benchmarks' },
  ] },
];

/**
 * Package READMEs are included into the guides (one text for the repository and the site). A README
 * sits at packages/<name>/README.md and its guide at docs/packages/<name>/index.md, the same depth, so
 * its links to sibling packages work unchanged; links that climb to the repository root are mapped to
 * the site's own copy of that page.
 */
const REPO_LINKS: [RegExp, string][] = [
  [/^(\.\.\/)+docs\/internals\/(.*)\.md(#.*)?$/, '/internals/$2$3'],
  [/^(\.\.\/)+BENCHMARKS\.md(#.*)?$/, '/internals/benchmarks$2'],
  [/^\.\.\/([\w-]+)\/?$/, '/packages/$1/'],
];

/** Links to repository files that are not pages (tools/, examples/, models/): shown as the path, not as a dead link. */
const REPO_ONLY = /^(\.\/|(\.\.\/)+)?(tools|examples|models)\//;

export default defineConfig({
  title: 'loraflow',
  description: 'Style LoRA training, ODE sampling, Image-to-LoRA, LoRA re-ranking and captioning for flow-matching image models, in TypeScript on WebGPU and WebAssembly',
  cleanUrls: true,
  head: [['link', { rel: 'icon', href: 'data:,' }]], // no favicon request, so a page loads without a 404 in the console
  lastUpdated: false,
  srcExclude: ['**/README.md', 'test/**'],
  themeConfig: {
    nav: [
      { text: 'Guide', link: '/guide/getting-started' },
      { text: 'Packages', link: '/packages/tensor-core/' },
      { text: 'Recipes', link: '/recipes/' },
      { text: 'API', link: '/api/' },
      { text: 'Studio', link: '/studio/' },
    ],
    sidebar: {
      ...apiSidebars(),
      '/': guideSidebar,
    },
    outline: [2, 3],
    search: { provider: 'local' },
    footer: { message: 'Apache-2.0. Every code block marked "run in CI" on these pages is executed by the doc test.' },
  },
  markdown: {
    config(md) {
      // Fence info strings carry doc-test flags ("ts run", "sh no-run <reason>", "yaml file=x"):
      // highlight by the language alone and say under the block what the doc test does with it.
      const fence = md.renderer.rules.fence!;
      md.renderer.rules.fence = (tokens, idx, options, env, self) => {
        const token = tokens[idx]!;
        const info = parseFenceInfo(token.info);
        token.info = info.lang;
        const code = fence(tokens, idx, options, env, self);
        const notes: string[] = [];
        if (info.file) notes.push(`<span class="fence-file">${md.utils.escapeHtml(info.file)}</span>`);
        if (info.run) notes.push('<span class="fence-run" title="The doc test executes this block in CI">✓ run in CI</span>');
        if (info.noRunReason !== undefined) notes.push(`<span class="fence-norun">not run in CI: ${md.utils.escapeHtml(info.noRunReason)}</span>`);
        return notes.length ? `<div class="fence-with-notes">${code}<div class="fence-notes">${notes.join(' ')}</div></div>` : code;
      };
      const linkOpen = md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
      const linkClose = md.renderer.rules.link_close ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
      md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
        const token = tokens[idx]!;
        const href = token.attrGet('href');
        if (href && REPO_ONLY.test(href)) {
          token.meta = { ...token.meta, repoOnly: true };
          return `<span class="repo-path" title="in the repository: ${md.utils.escapeHtml(href.replace(/^(\.\/|(\.\.\/)+)/, ''))}">`;
        }
        if (href) for (const [pattern, to] of REPO_LINKS) if (pattern.test(href)) token.attrSet('href', href.replace(pattern, to));
        return linkOpen(tokens, idx, options, env, self);
      };
      md.renderer.rules.link_close = (tokens, idx, options, env, self) => {
        for (let i = idx - 1; i >= 0; i--) {
          if (tokens[i]!.type === 'link_open') return tokens[i]!.meta?.repoOnly ? '</span>' : linkClose(tokens, idx, options, env, self);
        }
        return linkClose(tokens, idx, options, env, self);
      };
    },
  },
});

