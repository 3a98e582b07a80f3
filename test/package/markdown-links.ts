import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';

export interface BrokenLink {
  file: string;
  link: string;
  why: string;
}

/** Relative link targets of a Markdown text: `[text](target)`, with no scheme and not a bare `#anchor`. */
export function relativeLinks(markdown: string): string[] {
  // Code blocks and spans hold examples, not links.
  const prose = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)]
    .map((match) => match[1])
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target) && !target.startsWith('#'));
}

/** GitHub's heading anchors: lower case, punctuation other than `-` and `_` dropped, spaces to `-`. */
export function headingAnchors(markdown: string): Set<string> {
  const prose = markdown.replace(/```[\s\S]*?```/g, '');
  const anchors = new Set<string>();
  for (const [, heading] of prose.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    anchors.add(
      heading
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, '')
        .replace(/\s/g, '-'),
    );
  }
  return anchors;
}

/**
 * Every relative link of the Markdown files `files` (paths inside `root`) that does not lead
 * to a file among `shipped`, or to a heading of it.
 */
export function brokenLinks(root: string, files: string[], shipped: Set<string>): BrokenLink[] {
  const broken: BrokenLink[] = [];
  for (const file of files) {
    for (const link of relativeLinks(readFileSync(join(root, file), 'utf8'))) {
      const [path, anchor] = link.split('#');
      const target = path === '' ? file : normalize(join(dirname(file), decodeURIComponent(path))).replace(/\\/g, '/');
      if (!shipped.has(target) || !existsSync(join(root, target))) {
        broken.push({ file, link, why: `${target} is not in the package` });
      } else if (
        anchor &&
        target.endsWith('.md') &&
        !headingAnchors(readFileSync(join(root, target), 'utf8')).has(anchor)
      ) {
        broken.push({ file, link, why: `${target} has no heading #${anchor}` });
      }
    }
  }
  return broken;
}
