// npm run openapi: writes the admin API's OpenAPI 3.1 document (docs/openapi.json, shipped in the npm package) from
// the route docs each admin module exports (src/daemon/admin-routes.ts lists them).
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { adminApiDocument } from '../src/daemon/admin-routes.js';

const root = resolve(import.meta.dirname, '..');
writeFileSync(join(root, 'docs/openapi.json'), `${JSON.stringify(adminApiDocument(), null, 2)}\n`);
console.log('wrote docs/openapi.json');
