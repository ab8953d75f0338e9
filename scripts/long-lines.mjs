#!/usr/bin/env node
// Lists lines of src/ longer than 120 characters as file:line, and fails when there are any.
// Prettier wraps code at printWidth 120 but leaves comments, strings and template literals alone,
// so those need a check of their own. A line holding a URL is exempt: a URL cannot be broken, and so
// are *.generated.ts files, which their generators write and a test compares byte for byte.
// --summary prints a count per kind (comment, string, other) instead of failing.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAX = 120;
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIRS = ['src'];
const EXTENSIONS = /\.(?:ts|tsx|js|mjs|cjs)$/;
const URL_RE = /\bhttps?:\/\/\S/;

function* files(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else if (EXTENSIONS.test(entry.name) && !entry.name.includes('.generated.')) yield path;
  }
}

/**
 * What the first character past the limit belongs to: a comment, a string (quotes, template or JSX
 * text) or other code. Only for --summary, to plan the wrapping; it parses with the TypeScript 5
 * API of the tools/lint workspace, which the plain check does not need.
 */
async function kinds(file, text, lineNumbers) {
  const { default: ts } = await import('../tools/lint/node_modules/typescript/lib/typescript.js');
  const sf = ts.createSourceFile(
    file,
    text,
    ts.ScriptTarget.Latest,
    true,
    file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS,
  );
  const ranges = [];
  const stringKinds = new Set([
    ts.SyntaxKind.StringLiteral,
    ts.SyntaxKind.NoSubstitutionTemplateLiteral,
    ts.SyntaxKind.TemplateHead,
    ts.SyntaxKind.TemplateMiddle,
    ts.SyntaxKind.TemplateTail,
    ts.SyntaxKind.JsxText,
    ts.SyntaxKind.RegularExpressionLiteral,
  ]);
  const comments = (list) => {
    for (const c of list ?? []) ranges.push([c.pos, c.end, 'comment']);
  };
  const visit = (node) => {
    comments(ts.getLeadingCommentRanges(text, node.pos));
    comments(ts.getTrailingCommentRanges(text, node.end));
    if (stringKinds.has(node.kind)) ranges.push([node.getStart(sf), node.end, 'string']);
    for (const child of node.getChildren(sf)) visit(child);
  };
  visit(sf);
  return lineNumbers.map((n) => {
    const line = sf.getPositionOfLineAndCharacter(n - 1, 0);
    const lineText = text.slice(line).split('\n', 1)[0];
    // Position of the first character past the limit, in UTF-16 units.
    const at = line + [...lineText].slice(0, MAX).join('').length;
    return ranges.find(([from, to]) => at >= from && at < to)?.[2] ?? 'other';
  });
}

const summary = process.argv.includes('--summary');
const long = [];
const counts = { comment: 0, string: 0, other: 0 };
for (const dir of DIRS) {
  for (const file of files(join(ROOT, dir))) {
    const text = readFileSync(file, 'utf8');
    const found = [];
    text.split('\n').forEach((line, i) => {
      // Code points, not UTF-16 units: an em dash or a "≥" is one character on screen.
      if ([...line].length > MAX && !URL_RE.test(line)) found.push(i + 1);
    });
    for (const n of found) long.push(`${relative(ROOT, file)}:${n}`);
    if (summary && found.length > 0) for (const k of await kinds(file, text, found)) counts[k]++;
  }
}

if (summary) {
  console.log(`${long.length} lines over ${MAX} characters in ${DIRS.join(', ')}:`, counts);
} else {
  for (const where of long) console.log(`${where}: longer than ${MAX} characters`);
  if (long.length > 0) {
    console.error(
      `${long.length} lines over ${MAX} characters; wrap them (prettier does not wrap comments or strings)`,
    );
    process.exitCode = 1;
  }
}
