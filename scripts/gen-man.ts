// npm run man: regenerates man/ from the built commands' metadata (run "npm run build" first).
import { Config } from '@oclif/core';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { renderManPages } from '../src/core/cli/man.js';

const root = resolve(import.meta.dirname, '..');
const dir = join(root, 'man');
const pages = renderManPages(await Config.load(root));
mkdirSync(dir, { recursive: true });
for (const f of readdirSync(dir)) if (f.endsWith('.1') && !pages.has(f)) rmSync(join(dir, f));
for (const [name, text] of pages) writeFileSync(join(dir, name), text);
// package.json's "man" lists every page, so "npm i -g" installs them (npm links only the pages listed).
const pjsonFile = join(root, 'package.json');
const pjson = JSON.parse(readFileSync(pjsonFile, 'utf8')) as Record<string, unknown>;
pjson.man = [...pages.keys()].sort().map((name) => `./man/${name}`);
writeFileSync(pjsonFile, `${JSON.stringify(pjson, null, 2)}\n`);
console.log(`wrote ${pages.size} pages to man/: ${[...pages.keys()].join(' ')}`);
