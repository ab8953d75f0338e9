// npm run config-doc: regenerates docs/configuration.md from the configuration key table.
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { configurationDocument } from '../src/core/cli/config-docs.js';

const root = resolve(import.meta.dirname, '..');
writeFileSync(join(root, 'docs/configuration.md'), configurationDocument());
console.log('wrote docs/configuration.md');
