#!/usr/bin/env node
// Checked before anything is imported: older Node fails on syntax deep in dependencies with an unhelpful message.
const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  process.stderr.write(`Error: oco needs Node.js 22 or newer (this is ${process.version}).\nHint: install Node.js 24 LTS, or run through scripts/oco-env, which fetches it into .tools/.\n`);
  process.exit(1);
}
// Caches compiled bytecode across runs: most of a short command's time is module loading.
const { enableCompileCache } = await import('node:module');
enableCompileCache?.();
const { execute } = await import('@oclif/core');
await execute({ dir: import.meta.url });
