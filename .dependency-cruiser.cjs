/**
 * The dependency rule: encodes the layer diagram of docs/architecture.md, and nothing else.
 *
 * Each folder of src/ may import only the folders BELOW it in LAYERS (and files of its own
 * folder); folders on one line are peers and never import each other. `import type` counts
 * (tsPreCompilationDeps). src/app.ts is the one composition root and may import anything; only
 * cli/ and the library entry src/index.ts may import it, and nothing imports src/index.ts.
 * A folder of src/ that is not in LAYERS is itself a violation: a new folder gets a place in the
 * diagram (and here) before it gets code.
 */

/** Top to bottom. Keep in step with the diagram in docs/architecture.md. */
const LAYERS = [
  ['cli'],
  ['evidence'],
  ['config'],
  ['http', 'grpc'],
  ['surfaces'],
  ['policy-rollout'],
  ['authz'],
  ['engine', 'authn', 'directory', 'tenancy'],
  ['bundle', 'observability', 'audit'],
  // client/ is the package's HTTP client (orgwarden/client): the contract's types, nothing else.
  ['redis', 'client'],
  ['contract'],
];

const ALL_FOLDERS = LAYERS.flat();
/** @param {readonly string[]} folders */
const folderPath = (folders) => `^src/(${folders.join('|')})/`;
const ENTRY_FILES = '^src/(app|index)\\.ts$';

const layerRules = LAYERS.flatMap((line, index) => {
  const below = LAYERS.slice(index + 1).flat();
  return line.map((folder) => ({
    name: `layer:${folder}`,
    severity: 'error',
    comment:
      below.length === 0
        ? `${folder}/ is the leaf: it imports nothing of ours.`
        : `${folder}/ may import only ${below.join(', ')} (the layers below it) and its own files.`,
    from: { path: `^src/${folder}/` },
    to: {
      path: '^src/',
      pathNot: [
        `^src/${folder}/`,
        ...(below.length > 0 ? [folderPath(below)] : []),
        // cli/ is the one folder that may also import the composition root.
        ...(folder === 'cli' ? ['^src/app\\.ts$'] : []),
      ],
    },
  }));
});

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'layer:unplaced-folder',
      severity: 'error',
      comment:
        'Every file of src/ is the composition root, the library entry, or in a folder of LAYERS.',
      from: { path: '^src/', pathNot: [ENTRY_FILES, folderPath(ALL_FOLDERS)] },
      to: { path: '^src/' },
    },
    {
      name: 'layer:composition-root',
      severity: 'error',
      comment: 'Only cli/ and the library entry (src/index.ts) import the composition root.',
      from: { path: '^src/', pathNot: ['^src/cli/', '^src/index\\.ts$'] },
      to: { path: '^src/app\\.ts$' },
    },
    {
      name: 'layer:library-entry',
      severity: 'error',
      comment: 'src/index.ts is the package entry for other programs; nothing of ours imports it.',
      from: { path: '^src/' },
      to: { path: '^src/index\\.ts$' },
    },
    {
      name: 'client:types-only',
      severity: 'error',
      comment:
        'The HTTP client (orgwarden/client) ships no server code: it reads the contract as types only.',
      from: { path: '^src/client/' },
      to: { path: '^src/contract/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'client:not-imported',
      severity: 'error',
      comment: 'The HTTP client is for other programs; the server never calls itself through it.',
      from: { path: '^src/', pathNot: ['^src/client/'] },
      to: { path: '^src/client/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No cycles, type-only imports included.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-orphans',
      severity: 'error',
      comment: 'A module nothing imports and that imports nothing is dead or misplaced.',
      from: {
        orphan: true,
        pathNot: [
          '\\.d\\.m?ts$',
          '(^|/)[^/]+\\.config\\.(js|cjs|mjs|ts)$',
          '(^|/)\\.[^/]+\\.(js|cjs|mjs|json)$',
          // Loaded by name (a string, not an import) from vitest.config.ts.
          '^test/support/summary-reporter\\.ts$',
        ],
      },
      to: {},
    },
    {
      name: 'src-not-to-test',
      severity: 'error',
      comment: 'Production code never imports test code.',
      from: { path: '^src/' },
      to: { path: '^test/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that does not resolve hides a dependency from every other rule.',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|coverage|node_modules|\\.tools|\\.build)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
