/**
 * The architecture of src/, as rules the build checks (`npm run lint:deps`).
 *
 * Layers, from the ground up. A file may import from its own layer and from the layers
 * below it, never from a layer above. The README's architecture section is this list.
 */
const layers = [
  { name: 'ground', folders: ['config', 'common', 'errors', 'keys'] },
  { name: 'codec', folders: ['codec'] },
  { name: 'stores and bus', folders: ['stores', 'bus'] },
  { name: 'tiers', folders: ['tiers'] },
  { name: 'resilience', folders: ['resilience'] },
  { name: 'backends', folders: ['backends'] },
  { name: 'policies', folders: ['get-or-set', 'tags', 'fleet'] },
  { name: 'service', folders: ['service'] },
  { name: 'edges', folders: ['decorators', 'otel', 'metrics', 'health', 'terminus', 'keyv', 'graph', 'startup'] },
  { name: 'module', folders: ['module'] },
  { name: 'app', folders: ['demo'] },
];

const folderPattern = (folders) => `^src/(${folders.join('|')})/`;

const upwardImports = layers.slice(0, -1).map((layer, index) => ({
  name: `no-upward-from-${layer.name.replace(/\W+/g, '-')}`,
  comment: `${layer.name} (${layer.folders.join(', ')}) must not import a higher layer`,
  severity: 'error',
  from: { path: folderPattern(layer.folders) },
  to: { path: folderPattern(layers.slice(index + 1).flatMap((higher) => higher.folders)) },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'An import cycle ties two files together so neither can change alone',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...upwardImports,
    {
      name: 'app-uses-public-api',
      comment: 'The demo app uses the module as a consumer does: through src/index.ts only',
      severity: 'error',
      from: { path: '^src/(demo/|main[.]ts$)' },
      to: { path: '^src/', pathNot: '^src/(index[.]ts$|demo/)' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(node_modules|dist)/' },
  },
};
