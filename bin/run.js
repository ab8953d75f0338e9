#!/usr/bin/env node
// Checked before anything is imported: older Node fails on syntax deep in dependencies with an unhelpful message.
const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  process.stderr.write(
    `Error: oco needs Node.js 22 or newer (this is ${process.version}).\nHint: install Node.js 24 LTS, or run through scripts/oco-env, which fetches it into .tools/.\n`,
  );
  process.exit(1);
}
// Caches compiled bytecode across runs: most of a short command's time is module loading.
const { enableCompileCache } = await import('node:module');
enableCompileCache?.();
// The reader of stdout went away (`oco … | head -1`): the output is no longer wanted, which is not a
// failure. Exit quietly with 0 rather than let the write error, or a flush that never drains, end the run.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});
const { execute } = await import('@oclif/core');
await execute({ dir: import.meta.url });
