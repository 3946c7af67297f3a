/**
 * The design's dependency rules (docs/architecture.md, "Rings"), checked by `npm run lint`.
 * Dependencies point inward: tools → infra → functions, devices → shared; inside shared:
 * runtime → adapters → app (ports and use cases) → domain, events → domain. The pages
 * (web/) run in the browser: the domain, and the API's answers' types, nothing more.
 */
const NODE_IO =
  '^(node:)?(fs|fs/promises|net|tls|http|https|http2|dgram|child_process|worker_threads|cluster|os|readline|process)$';
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'shared/domain does no I/O and knows no adapter, use case, runtime or outer ring.',
      severity: 'error',
      from: { path: '^shared/domain/' },
      to: {
        path: [
          '^shared/(app|adapters|runtime|events)/',
          '^(functions|infra|devices|tools|test)/',
          '^node_modules/@aws-sdk/',
          '^node_modules/aws-lambda',
          NODE_IO,
        ],
      },
    },
    {
      name: 'events-are-data',
      comment: 'shared/events (event and message formats) import only the domain and zod.',
      severity: 'error',
      from: { path: '^shared/events/' },
      to: {
        path: ['^shared/(app|adapters|runtime)/', '^(functions|infra|devices|tools|test)/', '^node_modules/@aws-sdk/'],
      },
    },
    {
      name: 'app-uses-ports',
      comment:
        'Use cases reach the world through their ports (shared/app/ports), never an adapter, an SDK or the runtime.',
      severity: 'error',
      from: { path: '^shared/app/' },
      to: {
        path: [
          '^shared/(adapters|runtime)/',
          '^(functions|infra|devices|tools|test)/',
          '^node_modules/@aws-sdk/',
          NODE_IO,
        ],
      },
    },
    {
      name: 'adapters-implement-ports',
      comment: 'Adapters implement ports; they do not call the runtime or the outer rings.',
      severity: 'error',
      from: { path: '^shared/adapters/' },
      to: { path: ['^shared/runtime/', '^(functions|infra|devices|tools|test)/'] },
    },
    {
      name: 'shared-is-inner',
      comment: 'Nothing in shared/ imports functions/, infra/, devices/, tools/ or test/.',
      severity: 'error',
      from: { path: '^shared/' },
      to: { path: '^(functions|infra|devices|tools|test)/' },
    },
    {
      name: 'functions-use-shared',
      comment:
        'A function uses shared/ (and the ingest functions their shared decoding); it knows no infrastructure, devices or tools.',
      severity: 'error',
      from: { path: '^functions/' },
      to: { path: '^(infra|devices|tools|test)/' },
    },
    {
      name: 'devices-use-shared',
      comment: 'The fleet and provisioning use shared/ only.',
      severity: 'error',
      from: { path: '^devices/' },
      to: { path: '^(functions|infra|tools|test)/' },
    },
    {
      name: 'web-is-a-client',
      comment:
        'The pages (web/) use the domain and, as types only, the answers of the use cases (shared/app); ' +
        'never a function, an adapter, the runtime or an outer folder.',
      severity: 'error',
      from: { path: '^web/' },
      to: {
        path: [
          '^shared/(adapters|runtime|events)/',
          '^(functions|infra|devices|tools|test)/',
          '^node_modules/@aws-sdk/',
        ],
      },
    },
    {
      name: 'web-reads-answers-as-types',
      comment: 'What the pages take from shared/app is the shape of an answer (a type), not a use case to run.',
      severity: 'error',
      from: { path: '^web/' },
      to: { path: '^shared/app/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'infra-wires-not-tools',
      comment: 'infra/ wires functions and devices; it does not depend on tools or tests.',
      severity: 'error',
      from: { path: '^infra/' },
      to: { path: '^(tools|test)/' },
    },
    {
      name: 'domain-without-cycles',
      comment:
        'The domain imports one way (the dictionary on the case model, the rules on what they rule): ' +
        'no cycle in shared/domain, not even of type-only imports.',
      severity: 'error',
      from: { path: '^shared/domain/' },
      to: { circular: true },
    },
    {
      name: 'no-circular',
      comment:
        'No import cycle elsewhere either, type-only imports included ' +
        '(test/fixtures holds the rules’ fixtures, which break them on purpose).',
      severity: 'error',
      from: { pathNot: '^(shared/domain|test/fixtures)/' },
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      // aws-lambda is a types-only package (@types/aws-lambda): nothing to resolve at run time.
      to: { couldNotResolve: true, pathNot: '^aws-lambda$' },
    },
    {
      name: 'no-dev-dependencies-in-shipped-code',
      comment: 'What Lambda bundles (functions/ and shared/) uses production dependencies only.',
      severity: 'error',
      from: { path: '^(functions|shared)/' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|cdk\\.out|\\.cityops)/' },
    tsPreCompilationDeps: true,
    combinedDependencies: false,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.mjs', '.js', '.json'],
    },
    moduleSystems: ['es6', 'cjs'],
  },
};
