import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const DOCS = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => join('docs', f)),
];

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/`/g, '')
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

/** The anchors of a document's headings, in order (outside code fences). */
function headingAnchors(markdown: string): string[] {
  const found: string[] = [];
  let inFence = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) inFence = !inFence;
    const heading = inFence ? null : /^#{1,6} (.+)$/.exec(line);
    if (heading?.[1]) found.push(anchorOf(heading[1]));
  }
  return found;
}

function anchors(markdown: string): Set<string> {
  return new Set(headingAnchors(markdown));
}

/** Markdown links to local files or anchors, outside code fences. */
function localLinks(markdown: string): string[] {
  const withoutFences = markdown.replace(/```[\s\S]*?```/g, '');
  return [...withoutFences.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] ?? '').filter((t) => !/^[a-z]+:/i.test(t));
}

describe('links in the README and docs/', () => {
  it.each(DOCS)('%s: every link to a file or a heading leads somewhere', (doc) => {
    const text = readFileSync(join(ROOT, doc), 'utf8');
    const broken: string[] = [];
    for (const link of localLinks(text)) {
      const [path = '', anchor] = link.split('#');
      const target = path === '' ? join(ROOT, doc) : resolve(ROOT, dirname(doc), path);
      if (!existsSync(target)) {
        broken.push(link);
        continue;
      }
      if (anchor !== undefined && target.endsWith('.md') && !anchors(readFileSync(target, 'utf8')).has(anchor)) broken.push(link);
    }
    expect(broken).toEqual([]);
  });

  it.each(DOCS)('%s: names each section once, so a link to a heading has one place to go', (doc) => {
    // A section pasted twice (a script once inserted one between every character of docs/architecture.md) shows here.
    const seen = headingAnchors(readFileSync(join(ROOT, doc), 'utf8'));
    expect(seen.filter((anchor, i) => seen.indexOf(anchor) !== i)).toEqual([]);
  });
});
