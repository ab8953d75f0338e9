/**
 * A streaming RFC 4180 CSV reader for the import hot path. csv-parse alone tops out
 * below the 200k rows/s the import must reach, so: records without a quote (nearly all
 * of a cost export) are split with String#split; quoted records go through a small
 * state machine that also handles "" escapes and newlines inside quotes. Records come
 * with the physical line they start on, for error messages.
 */
export interface CsvRecord {
  fields: string[];
  line: number;
}

export class CsvSyntaxError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The first \r at or after pos in text, or -1; remembered per text, since nearly no file has one and a search would
 * scan to the end each time.
 */
let crText: string | undefined;
let crFrom = 0;
let crPos = -1;
function crAfter(text: string, pos: number): number {
  if (text !== crText || pos < crFrom || (crPos >= 0 && crPos < pos)) {
    crText = text;
    crFrom = pos;
    crPos = text.indexOf('\r', pos);
  }
  return crPos;
}

/** Parses one quoted record starting at pos; returns undefined when the text ends inside it (more input needed). */
function parseQuoted(
  text: string,
  pos: number,
  final: boolean,
): { fields: string[]; end: number; newlines: number } | undefined {
  const fields: string[] = [];
  let field = '';
  let i = pos;
  let newlines = 0;
  const n = text.length;
  let nl = -1;
  for (;;) {
    if (i < n && text.charCodeAt(i) === 34 /* " */) {
      // Quoted field: find its closing quote, then take it in one slice ("" pairs undone by one replace).
      i++;
      const start = i;
      let escaped = false;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) {
          if (final) throw new CsvSyntaxError(0, 'a quoted field is not closed before the end of the file');
          return undefined;
        }
        if (q + 1 < n && text.charCodeAt(q + 1) === 34) {
          escaped = true;
          i = q + 2;
          continue;
        }
        if (q + 1 >= n && !final) return undefined;
        const chunk = text.slice(start, q);
        for (let k = chunk.indexOf('\n'); k >= 0; k = chunk.indexOf('\n', k + 1)) newlines++;
        field += escaped ? chunk.replace(/""/g, '"') : chunk;
        i = q + 1;
        break;
      }
      // After the closing quote: a separator, the end of the record, or junk (kept, like relaxed parsers do).
      while (i < n && text.charCodeAt(i) !== 44 && text.charCodeAt(i) !== 10 && text.charCodeAt(i) !== 13)
        field += text[i++];
    } else {
      // Unquoted field: up to the next comma, or the end of the line (\n, or a \r: found once per text, see crAfter).
      if (nl < i) {
        nl = text.indexOf('\n', i);
        if (nl < 0) nl = n;
      }
      let j = text.indexOf(',', i);
      if (j < 0 || j > nl) j = nl;
      const cr = crAfter(text, i);
      if (cr >= 0 && cr < j) j = cr;
      field += text.slice(i, j);
      i = j;
    }
    fields.push(field);
    field = '';
    if (i >= n) {
      if (!final) return undefined;
      return { fields, end: n, newlines };
    }
    const c = text.charCodeAt(i);
    if (c === 44) {
      i++;
      continue;
    }
    // End of record: \n or \r\n.
    if (c === 13) i++;
    if (i < n && text.charCodeAt(i) === 10) i++;
    else if (i >= n && !final) return undefined;
    return { fields, end: i, newlines };
  }
}

/** Batches of records from a stream of text chunks. */
export async function* csvRecords(
  chunks: AsyncIterable<string | Buffer>,
  batchSize = 2000,
): AsyncGenerator<CsvRecord[]> {
  let rest = '';
  let line = 1;
  let first = true;
  let batch: CsvRecord[] = [];
  const drain = (final: boolean): void => {
    const text = rest;
    let pos = 0;
    const n = text.length;
    while (pos < n) {
      const nl = text.indexOf('\n', pos);
      if (nl < 0 && !final) break;
      const end = nl < 0 ? n : nl;
      const quote = text.indexOf('"', pos);
      if (quote < 0 || quote >= end) {
        let stop = end;
        if (stop > pos && text.charCodeAt(stop - 1) === 13) stop--;
        if (stop > pos) batch.push({ fields: text.slice(pos, stop).split(','), line });
        line++;
        pos = end + 1;
        continue;
      }
      let parsed;
      try {
        parsed = parseQuoted(text, pos, final);
      } catch (err) {
        throw err instanceof CsvSyntaxError ? new CsvSyntaxError(line, err.message) : err;
      }
      if (!parsed) break;
      batch.push({ fields: parsed.fields, line });
      line += parsed.newlines + 1;
      pos = parsed.end;
    }
    rest = pos >= n ? '' : text.slice(pos);
  };
  for await (const chunk of chunks) {
    let s = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    if (first) {
      if (s.charCodeAt(0) === 0xfeff) s = s.slice(1);
      first = false;
    }
    rest += s;
    drain(false);
    if (batch.length >= batchSize) {
      yield batch;
      batch = [];
    }
  }
  drain(true);
  if (batch.length) yield batch;
}
