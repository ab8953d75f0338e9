#!/usr/bin/env node
// Checked before anything is imported: older Node fails on syntax deep in dependencies with an unhelpful message.
const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  process.stderr.write(
    `Error: oco needs Node.js 22 or newer (this is ${process.version}).\nHint: install Node.js 24 LTS, or run through scripts/oco-env, which fetches it into .tools/.\n`,
  );
  process.exit(1);
}

// `oco --version` alone is answered here, before oclif and its ~180 modules load, with what oclif's
// config.userAgent prints. oclif names the platform "wsl" under Windows' Linux: that case is left to it.
async function versionLine() {
  if (process.argv.length !== 3 || process.argv[2] !== '--version') return undefined;
  const { existsSync, readFileSync } = await import('node:fs');
  const { release } = await import('node:os');
  const { fileURLToPath } = await import('node:url');
  if (process.platform === 'win32') return undefined;
  if (process.platform === 'linux') {
    if (release().toLowerCase().includes('microsoft')) return undefined;
    if (existsSync('/proc/sys/fs/binfmt_misc/WSLInterop') || existsSync('/run/WSL')) return undefined;
    try {
      if (readFileSync('/proc/version', 'utf8').toLowerCase().includes('microsoft')) return undefined;
    } catch {
      // no /proc: not WSL
    }
  }
  const pjson = JSON.parse(readFileSync(fileURLToPath(new URL('../package.json', import.meta.url)), 'utf8'));
  const arch = process.arch === 'ia32' ? 'x86' : process.arch;
  return `${pjson.name}/${pjson.version} ${process.platform}-${arch} node-${process.version}\n`;
}

const version = await versionLine();
if (version) {
  process.stdout.write(version);
} else {
  // Caches compiled bytecode across runs: most of a short command's time is module loading.
  const { enableCompileCache } = await import('node:module');
  enableCompileCache?.();
  // The reader of stdout went away (`oco … | head -1`): the output is no longer wanted, which is not a
  // failure. Exit quietly with 0 rather than let the write error, or a flush that never drains, end the run.
  process.stdout.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  const { execute, settings } = await import('@oclif/core');
  // The single binary holds no TypeScript sources: under NODE_ENV=development or test oclif would look
  // for a compiler to run them, and warn on stderr that it found none.
  if (process.getBuiltinModule?.('node:sea')?.isSea()) settings.enableAutoTranspile = false;
  await execute({ dir: import.meta.url });
}
