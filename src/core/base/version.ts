import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/** oco's version from its package.json (the same depth under src/ and dist/); read once. */
export function version(): string {
  if (cached === undefined) {
    try {
      // A path, not a URL: the single binary's virtual file system serves paths only.
      const file = fileURLToPath(new URL('../../../package.json', import.meta.url));
      cached = (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
    } catch {
      cached = '0.0.0';
    }
  }
  return cached;
}
