/**
 * Incremental SSE framing: bytes in, complete events out. Events end at a blank
 * line (\n\n or \r\n\r\n); a partial event waits for the next chunk. Only the
 * `data:` and `event:` fields matter to usage tracking; `raw` is the exact event
 * text so a rewriting pass can forward untouched events byte for byte.
 */
export interface SseEvent {
  raw: string;
  data: string;
  event?: string;
}

export class SseSplitter {
  private buffer = '';
  /** Bound on one event so a stream without blank lines cannot grow memory without limit. */
  constructor(private readonly maxEventChars = 8 * 1024 * 1024) {}

  push(chunk: Buffer | string): SseEvent[] {
    this.buffer += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    const out: SseEvent[] = [];
    for (;;) {
      const m = /\r?\n\r?\n/.exec(this.buffer);
      if (!m) break;
      const end = m.index + m[0].length;
      const raw = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end);
      out.push(parseEvent(raw));
    }
    if (this.buffer.length > this.maxEventChars) this.buffer = '';
    return out;
  }

  /** What is left without a terminating blank line (a stream cut short). */
  rest(): string {
    return this.buffer;
  }
}

function parseEvent(raw: string): SseEvent {
  let data = '';
  let event: string | undefined;
  let first = true;
  for (const line of raw.split(/\r?\n/)) {
    if (line.startsWith('data:')) {
      const v = line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5);
      data = first ? v : `${data}\n${v}`;
      first = false;
    } else if (line.startsWith('event:')) {
      event = line.slice(line.charCodeAt(6) === 32 ? 7 : 6);
    }
  }
  return { raw, data, event };
}

/** Re-frames an event whose data changed, keeping its event name. */
export function formatEvent(ev: SseEvent, data: string): string {
  if (data === ev.data) return ev.raw;
  const eol = ev.raw.includes('\r\n') ? '\r\n' : '\n';
  return `${ev.event !== undefined ? `event: ${ev.event}${eol}` : ''}data: ${data}${eol}${eol}`;
}
