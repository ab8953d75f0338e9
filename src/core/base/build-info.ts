import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { version } from './version.js';
import { isSingleBinary } from './runtime.js';

export interface BuildInfo {
  version: string;
  /** The git commit the build was made from ("-dirty" when its sources differed), or "unknown". */
  commit: string;
  node: string;
  singleBinary: boolean;
  platform: string;
  arch: string;
}

/**
 * What this oco is: scripts/build-info.js writes dist/build-info.json at build time. The path is
 * the package root's dist/ from both src/core/base (tests) and dist/core/base (the build), and a
 * path rather than a URL, as the single binary's virtual file system serves paths only.
 */
export function buildInfo(): BuildInfo {
  let commit = 'unknown';
  try {
    const file = fileURLToPath(new URL('../../../dist/build-info.json', import.meta.url));
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { commit?: unknown };
    if (typeof parsed.commit === 'string' && parsed.commit !== '') commit = parsed.commit;
  } catch {
    // Sources run without a build: the commit is unknown, never guessed.
  }
  return {
    version: version(),
    commit,
    node: process.versions.node,
    singleBinary: isSingleBinary(),
    platform: process.platform,
    arch: process.arch,
  };
}
