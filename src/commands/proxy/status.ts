import { OcoCommand } from '../../core/cli/base-command.js';
import { renderTable } from '../../core/cli/table.js';
import { daemonStatus, type DaemonStatus } from '../../daemon/control.js';

export default class ProxyStatus extends OcoCommand<DaemonStatus> {
  static override summary = 'Show whether the gateway runs, where, and what it has done.';
  static override description =
    'Pid, uptime, address, version, storage engine, requests ' +
    'served, usage records queued. Exit 3 when it is not running.';
  static override examples = ['<%= config.bin %> proxy status', '<%= config.bin %> proxy status --json'];

  async run(): Promise<DaemonStatus> {
    await this.parse(ProxyStatus);
    const s = await daemonStatus(this.loadConfig());
    if (!this.jsonEnabled()) {
      const rows = Object.entries(s).map(([field, value]) => ({ field, value }));
      this.log(renderTable(rows, [{ key: 'field' }, { key: 'value' }]));
    }
    return s;
  }
}
