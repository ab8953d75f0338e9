import { readFileSync } from 'node:fs';
import type { ErrorCodeFor } from './error-codes.js';
import { UsageError } from './errors.js';

/**
 * Where a JSON text first goes wrong, as a 1-based line and column, so an import
 * error can point into a large file (JSON.parse in current Node names no position
 * for most errors). A strict validator: it only finds the offset, it builds nothing.
 */
export function jsonErrorPosition(text: string): { line: number; column: number } | undefined {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const literal = (word: string) => {
    if (text.startsWith(word, i)) i += word.length;
    else fail();
  };
  const string = () => {
    if (text[i] !== '"') fail();
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') i++;
      else if (text.charCodeAt(i) < 0x20) fail();
      i++;
    }
    if (i >= text.length) fail();
    i++;
  };
  const number = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m) fail();
    i += m![0].length;
  };
  const value = (depth: number): void => {
    if (depth > 512) fail();
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        string();
        ws();
        if (text[i] !== ':') fail();
        i++;
        value(depth + 1);
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') return void i++;
        else fail();
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (;;) {
        value(depth + 1);
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') return void i++;
        else fail();
      }
    }
    if (c === '"') return string();
    if (c === 't') return literal('true');
    if (c === 'f') return literal('false');
    if (c === 'n') return literal('null');
    return number();
  };
  try {
    value(0);
    ws();
    if (i < text.length) fail();
    return undefined;
  } catch (pos) {
    if (typeof pos !== 'number') throw pos;
    const before = text.slice(0, pos);
    const line = before.split('\n').length;
    return { line, column: pos - before.lastIndexOf('\n') };
  }
}

/**
 * Reads and parses a JSON file named by the user. A file that is missing or unreadable, or text
 * that is not JSON, is a usage error naming the file (and the line and column where the JSON goes
 * wrong); `what` says what the file should hold, for the hint.
 */
export function readJsonFile(
  file: string,
  what: { readHint: string; parseHint: string; parseCode?: ErrorCodeFor<2> },
): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read ${file}: ${code ?? (err as Error).message}`, {
      code: code === 'ENOENT' ? 'OCO_FILE_NOT_FOUND' : 'OCO_FILE_UNREADABLE',
      hint: what.readHint,
    });
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    const pos = jsonErrorPosition(text);
    const at = pos ? `:${pos.line}:${pos.column}` : '';
    throw new UsageError(`${file}${at} is not valid JSON: ${(err as Error).message.split('\n')[0]}`, {
      code: what.parseCode,
      hint: what.parseHint,
    });
  }
}
