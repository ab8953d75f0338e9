// typescript-eslint's parser loads the classic TypeScript JS API (peer typescript <6.1), which
// TypeScript 7's npm package no longer ships. This workspace package owns typescript@5.9.3 so that
// npm nests it, with typescript-eslint, under tools/lint/node_modules while the project's `tsc` stays 7.
export { default as tseslint } from 'typescript-eslint';
