import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { brokenLinks, relativeLinks } from './markdown-links';

const PROJECT = resolve(__dirname, '../..');

/** What `npm pack` puts in the tarball, listed without building (the list follows package.json "files"). */
function packedFiles(): string[] {
  const output = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: PROJECT,
    encoding: 'utf8',
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });
  return (JSON.parse(output) as Array<{ files: Array<{ path: string }> }>)[0].files.map((file) => file.path);
}

describe('the links of the npm package', () => {
  const files = packedFiles();
  const shipped = new Set(files);
  const markdown = files.filter((path) => path.endsWith('.md'));
  const manifest = JSON.parse(readFileSync(join(PROJECT, 'package.json'), 'utf8')) as {
    repository?: { url?: string };
    homepage?: string;
    bugs?: { url?: string };
  };

  it('ships the README, every docs/ page, .env.example and the Grafana dashboard', () => {
    expect(markdown).toEqual(
      expect.arrayContaining(['README.md', 'docs/named-caches.md', 'docs/decorators.md', 'docs/faults.md']),
    );
    expect(files).toEqual(expect.arrayContaining(['.env.example', 'dashboards/ideagraph-cache.json']));
  });

  it('every relative link of the packed README and docs resolves to a file in the package (and a heading of it)', () => {
    // The README alone has more than 20 relative links; a link checker that finds none is broken.
    expect(relativeLinks(readFileSync(join(PROJECT, 'README.md'), 'utf8')).length).toBeGreaterThan(20);
    expect(brokenLinks(PROJECT, markdown, shipped)).toEqual([]);
  });

  it('names the repository, the home page and where to report bugs', () => {
    expect(manifest.repository?.url).toBe('git+https://github.com/ideagraph/ideagraph-cache.git');
    expect(manifest.homepage).toBe('https://github.com/ideagraph/ideagraph-cache#readme');
    expect(manifest.bugs?.url).toBe('https://github.com/ideagraph/ideagraph-cache/issues');
    // Absolute links to the repository's files use the same address.
    const readme = readFileSync(join(PROJECT, 'README.md'), 'utf8');
    for (const [url] of readme.matchAll(/https:\/\/github\.com\/[^\s)]+/g))
      expect(url.startsWith('https://github.com/ideagraph/ideagraph-cache/')).toBe(true);
  });
});
