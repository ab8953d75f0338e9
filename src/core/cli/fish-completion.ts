import type { Command, Config } from '@oclif/core';

/**
 * A fish completion script from the commands' metadata (oclif's autocomplete plugin writes bash,
 * zsh and PowerShell, not fish): topics and commands by the words typed so far, then each command's
 * flags, with their options when a flag has a fixed set. Deterministic, so it can be regenerated.
 */
export function fishCompletion(config: Config): string {
  const bin = config.bin;
  const commands = config.commands.filter((c) => !c.hidden).sort((a, b) => a.id.localeCompare(b.id));
  const words = (c: Command.Loadable) => c.id.split(':');
  const lines = [
    `# fish completion for ${bin} ${config.version}: ${bin} autocomplete fish > ~/.config/fish/completions/${bin}.fish`,
    `complete -c ${bin} -f`,
    '# The words typed after the command name, flags left out.',
    `function __${bin}_words`,
    '    set -l out',
    '    for t in (commandline -opc)[2..-1]',
    "        string match -q -- '-*' $t; and continue",
    '        set out $out $t',
    '    end',
    '    echo "$out"',
    'end',
    `function __${bin}_is`,
    `    test (__${bin}_words) = "$argv"`,
    'end',
    `function __${bin}_in`,
    `    set -l typed (__${bin}_words)`,
    '    test "$typed" = "$argv"; or string match -q -- "$argv *" "$typed"',
    'end',
  ];
  // Every prefix of a command id that has children offers the next word (a topic or a command).
  const offered = new Map<string, Map<string, string>>();
  for (const c of commands) {
    const w = words(c);
    for (let i = 0; i < w.length; i++) {
      const prefix = w.slice(0, i).join(' ');
      const next = offered.get(prefix) ?? new Map<string, string>();
      offered.set(prefix, next);
      if (next.has(w[i]!)) continue;
      const topicId = w.slice(0, i + 1).join(':');
      const isCommand = i === w.length - 1;
      const description = isCommand
        ? (c.summary ?? c.description ?? '')
        : (config.topics.find((t) => t.name === topicId)?.description ?? '');
      next.set(w[i]!, firstLine(description).replaceAll('<%= config.bin %>', bin));
    }
  }
  for (const [prefix, next] of [...offered].sort(([a], [b]) => a.localeCompare(b)))
    for (const [word, description] of next)
      lines.push(
        `complete -c ${bin} -n ${quote(`__${bin}_is ${prefix}`.trim())} -a ${quote(word)} -d ${quote(description)}`,
      );
  for (const c of commands) {
    const condition = quote(`__${bin}_in ${words(c).join(' ')}`);
    const flags = Object.values(c.flags ?? {})
      .filter((f) => !f.hidden)
      .sort((a, b) => a.name.localeCompare(b.name));
    for (const f of flags) {
      let line = `complete -c ${bin} -n ${condition} -l ${f.name}`;
      if (f.char) line += ` -s ${f.char}`;
      if (f.type === 'option') line += f.options ? ` -x -a ${quote(f.options.join(' '))}` : ' -r';
      line += ` -d ${quote(firstLine(f.summary ?? f.description ?? ''))}`;
      lines.push(line);
    }
  }
  return `${lines.join('\n')}\n`;
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.trim();
}

/** A fish single-quoted word: only backslash and the quote are special there. */
function quote(text: string): string {
  return `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}
