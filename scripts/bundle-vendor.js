// Bundles the parts of @kubernetes/client-node oco uses (dist/core/resilience/k8s/library.js) into one
// file under dist/vendor after tsc.
// Why: the library is ~1,000 ESM files (its generated API loads every model); resolving and
// reading them all costs ~300 ms per command, a bundled copy loads in a fraction of that
// (bench/k8s/velero.bench.ts measures both). undici stays external so a process that also
// runs the gateway loads one copy of it. src/core/resilience/k8s/client.ts falls back to the package
// when the bundle is absent (tests that import the TypeScript sources).
import { build } from 'esbuild';
import { builtinModules } from 'node:module';
import { resolve } from 'node:path';

const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

// Node built-ins load through require(), not import: an ESM import builds a facade that reads
// every export, and node:http's lazy WebSocket getter then loads Node's internal undici (~25 ms
// of a ~280 ms command). Wrapped as CommonJS, only the exports the code touches are read.
const builtinsViaRequire = {
  name: 'builtins-via-require',
  setup(b) {
    b.onResolve({ filter: /^[a-z:_/]+$/ }, (args) => {
      if (!builtins.has(args.path)) return undefined;
      if (args.kind === 'require-call') return { path: args.path, external: true };
      return { path: args.path, namespace: 'builtin-cjs' };
    });
    b.onLoad({ filter: /.*/, namespace: 'builtin-cjs' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};

const root = resolve(import.meta.dirname, '..');
await build({
  entryPoints: [resolve(root, 'dist/core/resilience/k8s/library.js')],
  outfile: resolve(root, 'dist/vendor/kubernetes-client.js'),
  bundle: true,
  minify: true,
  platform: 'node',
  target: 'node22',
  format: 'esm',
  external: [],
  plugins: [builtinsViaRequire],
  // CommonJS dependencies inside the bundle call require(); ESM output has none of its own.
  banner: {
    js: "import { createRequire as __ocoRequire } from 'node:module'; const require = __ocoRequire(import.meta.url);",
  },
  logLevel: 'warning',
  legalComments: 'linked',
});
