// npm run errors: regenerates README's exit-code table and docs/errors.md from the error-code registry.
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { errorCodesDocument, withReadmeExitTable } from '../src/core/cli/error-docs.js';

const root = resolve(import.meta.dirname, '..');
const readme = join(root, 'README.md');
writeFileSync(readme, withReadmeExitTable(readFileSync(readme, 'utf8')));
writeFileSync(join(root, 'docs/errors.md'), errorCodesDocument());
console.log('wrote README.md (exit codes) and docs/errors.md');
