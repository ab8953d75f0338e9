import { Flags } from '@oclif/core';
import { OcoCommand } from '../../core/cli/base-command.js';
import { logFilePath } from '../../core/base/log/logger.js';
import { followLog, readTail } from '../../daemon/control.js';

export default class ProxyLogs extends OcoCommand<{ file: string; lines: unknown[] } | void> {
  static override summary = "Print the gateway's log (JSON lines).";
  static override description =
    'The last N lines of the daemon log; -f keeps printing new lines (following rotation) ' +
    'until interrupted. Logs hold ids, counts and timings, never bodies or keys.';
  static override examples = [
    '<%= config.bin %> proxy logs',
    '<%= config.bin %> proxy logs -n 100',
    '<%= config.bin %> proxy logs -f',
    '<%= config.bin %> proxy logs --json',
  ];
  static override flags = {
    follow: Flags.boolean({ char: 'f', summary: 'Keep printing lines as they are written.' }),
    lines: Flags.integer({
      char: 'n',
      summary: 'How many of the last lines to print.',
      default: 50,
      min: 0,
      max: 100000,
    }),
  };

  async run(): Promise<{ file: string; lines: unknown[] } | void> {
    const { flags } = await this.parse(ProxyLogs);
    const file = logFilePath(this.loadConfig().paths.logDir);
    const { lines, end } = readTail(file, flags.lines);
    if (this.jsonEnabled()) {
      return {
        file,
        lines: lines.map((l) => {
          try {
            return JSON.parse(l);
          } catch {
            return l;
          }
        }),
      };
    }
    for (const l of lines) this.log(l);
    if (!flags.follow) return;
    await followLog(file, end, (chunk) => process.stdout.write(chunk));
  }
}
