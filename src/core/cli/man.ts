import type { Command, Config } from '@oclif/core';
import { CONFIG_KEYS } from '../base/config/keys.js';
import { roffAscii } from './roff-chars.js';
import { manExitStatus } from './error-docs.js';

/**
 * man pages from the commands' own metadata: oco.1 (overview, root commands,
 * environment, exit status) and oco-TOPIC.1 per topic. Deterministic (no dates)
 * so a test can tell when man/ is stale. Pure ASCII: every other character becomes
 * a roff escape (roff-chars.ts), so groff needs no preconv and warns about nothing.
 */
export function renderManPages(config: Config): Map<string, string> {
  const bin = config.bin;
  const commands = config.commands.filter((c) => !c.hidden).sort((a, b) => a.id.localeCompare(b.id));
  const topicOf = (c: Command.Loadable) => (c.id.includes(':') ? c.id.split(':')[0]! : undefined);
  const topics = [...new Set(commands.map(topicOf).filter((t): t is string => Boolean(t)))]
    .filter((t) => !commands.some((c) => c.id === t && c.pluginType !== 'core'))
    .sort();
  const ownTopics = topics.filter((t) =>
    commands.some((c) => topicOf(c) === t && c.pluginType === 'core' && c.pluginName === config.name),
  );
  const pages = new Map<string, string>();
  // The release date of this version (package.json "releaseDate"): deterministic, and what mandoc wants.
  const date = releaseDate(config.pjson as { releaseDate?: unknown });
  const header = (name: string, what: string) =>
    `.TH ${name.toUpperCase()} 1 ${date} "${bin} ${config.version}" "${what}"\n`;

  let main = header(bin, 'User Commands');
  main += `.SH NAME\n${bin} \\- ${esc(config.pjson.description ?? '')}\n`;
  main += `.SH SYNOPSIS\n.B ${bin}\n\\fICOMMAND\\fR [\\fIFLAGS\\fR]\n`;
  main +=
    `.SH DESCRIPTION\nEvery command that prints data accepts \\fB\\-\\-json\\fR and then prints one JSON ` +
    `document on standard output and nothing else there. Errors go to standard error as one line and a hint.\n`;
  main += `.SH COMMANDS\n`;
  for (const c of commands)
    main += `.TP\n.B ${bin} ${c.id.replaceAll(':', ' ')}\n${esc(c.summary ?? firstLine(c.description))}\n`;
  const rootCommands = commands.filter((c) => !topicOf(c) || !ownTopics.includes(topicOf(c)!));
  main += `.SH ROOT COMMANDS\n`;
  for (const c of rootCommands) main += commandSection(bin, c);
  main += manExamples(bin, commands, topicOf);
  main += `.SH ENVIRONMENT\nPrecedence: flags > environment > config file > defaults.\n`;
  for (const k of CONFIG_KEYS) {
    const description = esc(k.description);
    const dflt = k.default !== undefined ? `; default ${esc(String(k.default))}` : '';
    const secret = k.secret ? '; secret, never printed' : '';
    main += `.TP\n.B ${k.env.join(', ')}\n${description} (config key \\fB${k.key}\\fR${dflt}${secret})\n`;
  }
  main +=
    `.TP\n.B OCO_HOME\nPuts config, data, state and logs under one directory; otherwise the XDG base directories ` +
    `are used.\n`;
  main += manExitStatus(esc);
  main +=
    `.SH FILES\n.TP\n.I $OCO_HOME/config/config.yaml\nor \\fI$XDG_CONFIG_HOME/oco/config.yaml\\fR: the config ` +
    `file.\n.TP\n.I $OCO_HOME/data/oco.db\nor \\fI$XDG_DATA_HOME/oco/oco.db\\fR: the embedded SQLite database.\n` +
    `.TP\n.I $OCO_HOME/state/logs/\nor \\fI$XDG_STATE_HOME/oco/logs/\\fR: the daemon's log; its state file beside ` +
    `it.\n.TP\n.I $OCO_HOME/config/proxy.env\nor \\fI$XDG_CONFIG_HOME/oco/proxy.env\\fR: variables (secrets) the ` +
    `systemd unit of \\fB${bin} proxy install\\-service\\fR reads.\n` +
    `.TP\n.I ~/.config/systemd/user/oco\\-proxy.service\n` +
    `or \\fI/etc/systemd/system/oco\\-proxy.service\\fR: that unit.\n`;
  main += `.SH SEE ALSO\n${ownTopics.map((t) => `.BR ${bin}-${t} (1)`).join(',\n')}\n`;
  pages.set(`${bin}.1`, main);

  for (const topic of ownTopics) {
    const meta = config.topics.find((t) => t.name === topic);
    let page = header(`${bin}-${topic}`, 'User Commands');
    page += `.SH NAME\n${bin}-${topic} \\- ${esc(meta?.description ?? topic)}\n`;
    page += `.SH COMMANDS\n`;
    for (const c of commands.filter((c) => topicOf(c) === topic)) page += commandSection(bin, c);
    page += `.SH SEE ALSO\n.BR ${bin} (1)\n`;
    pages.set(`${bin}-${topic}.1`, page);
  }
  return new Map([...pages].map(([name, text]) => [name, wrapText(roffAscii(text))]));
}

function releaseDate(pjson: { releaseDate?: unknown }): string {
  const d = pjson.releaseDate;
  if (typeof d !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(d))
    throw new Error('package.json needs "releaseDate": "YYYY-MM-DD" (the man pages carry it)');
  return d;
}

/** EXAMPLES: the first example of every root command and of the first command of each topic that has one. */
function manExamples(
  bin: string,
  commands: Command.Loadable[],
  topicOf: (c: Command.Loadable) => string | undefined,
): string {
  const seen = new Set<string>();
  let out = '.SH EXAMPLES\n';
  for (const c of commands) {
    const first = c.examples?.[0];
    if (first === undefined) continue;
    const group = topicOf(c) ?? c.id;
    if (seen.has(group)) continue;
    seen.add(group);
    const text = exampleText(bin, c, typeof first === 'string' ? first : first.command);
    // A paragraph break between examples; mandoc warns about one straight after the heading.
    const gap = seen.size > 1 ? '.PP\n' : '';
    out += `${gap}${esc(c.summary ?? firstLine(c.description))}\n.RS 4\n.nf\n${esc(text)}\n.fi\n.RE\n`;
  }
  return out;
}

function exampleText(bin: string, c: Command.Loadable, e: string): string {
  return e
    .replace(/^\$ /, '')
    .replaceAll('<%= config.bin %>', bin)
    .replaceAll('<%= command.id %>', c.id.replaceAll(':', ' '));
}

/**
 * Text lines of filled paragraphs broken at spaces to at most 80 bytes (mandoc's lint asks for it;
 * roff joins them again), never inside .nf blocks nor a .TP tag (one line by definition), never before
 * an escaped space; a line that would
 * start with a control character gets the zero-width \& first.
 */
function wrapText(page: string): string {
  const out: string[] = [];
  let noFill = false;
  let tag = false;
  for (const line of page.split('\n')) {
    if (line === '.nf') noFill = true;
    if (line === '.fi') noFill = false;
    const isTag = tag;
    tag = line === '.TP';
    if (noFill || isTag || line.length <= 80 || /^[.']/.test(line)) {
      out.push(line);
      continue;
    }
    const words = line.split(/(?<!\\) +/);
    let current = '';
    for (const w of words) {
      if (current !== '' && current.length + 1 + w.length > 80) {
        out.push(current);
        current = /^[.']/.test(w) ? `\\&${w}` : w;
      } else current = current === '' ? w : `${current} ${w}`;
    }
    out.push(current);
  }
  return out.join('\n');
}

function commandSection(bin: string, c: Command.Loadable): string {
  const name = `${bin} ${c.id.replaceAll(':', ' ')}`;
  const args = Object.values(c.args ?? {}).map((a) =>
    a.required ? `\\fI${a.name.toUpperCase()}\\fR` : `[\\fI${a.name.toUpperCase()}\\fR]`,
  );
  const summary = c.summary ? `${esc(c.summary)}\n.PP\n` : '';
  let s = `.SS ${name}\n${summary}.B ${name}\n${args.join(' ')} [\\fIFLAGS\\fR]\n`;
  if (c.description) s += `.PP\n${esc(c.description)}\n`;
  const argList = Object.values(c.args ?? {});
  if (argList.length > 0) {
    s += `.PP\nArguments:\n`;
    for (const a of argList) s += `.TP\n.I ${a.name.toUpperCase()}\n${esc(a.description ?? '')}\n`;
  }
  const flags = Object.values(c.flags ?? {})
    .filter((f) => !f.hidden)
    .sort((a, b) => a.name.localeCompare(b.name));
  if (flags.length > 0) {
    s += `.PP\nFlags:\n`;
    for (const f of flags) {
      const value = f.type === 'option' ? ` \\fI${(f.helpValue as string | undefined) ?? 'VALUE'}\\fR` : '';
      const short = f.char ? `\\fB\\-${f.char}\\fR, ` : '';
      const options = f.type === 'option' && f.options ? ` (one of: ${f.options.join(', ')})` : '';
      const def =
        f.type === 'option' && f.default !== undefined && typeof f.default !== 'function'
          ? ` [default: ${String(f.default)}]`
          : '';
      s += `.TP\n${short}\\fB\\-\\-${f.name}\\fR${value}\n${esc((f.summary ?? f.description ?? '') + options + def)}\n`;
    }
  }
  const examples = (c.examples ?? []).map((e) => (typeof e === 'string' ? e : e.command));
  if (examples.length > 0) {
    s += `.PP\nExamples:\n`;
    for (const e of examples) s += `.PP\n.RS 4\n.nf\n${esc(exampleText(bin, c, e))}\n.fi\n.RE\n`;
  }
  return s;
}

function firstLine(text?: string): string {
  return (text ?? '').split('\n')[0] ?? '';
}

/** roff: backslashes, a leading dot or quote, and hyphens (so flags stay ASCII hyphens). */
function esc(text: string): string {
  return text
    .replaceAll('\\', '\\e')
    .replaceAll('-', '\\-')
    .split('\n')
    .map((l) => (/^[.']/.test(l) ? `\\&${l}` : l))
    .join('\n');
}
