import { OcoCommand } from '../../core/cli/base-command.js';
import { stopDaemon } from '../../daemon/control.js';

export default class ProxyStop extends OcoCommand<{ stopped: boolean; pid?: number }> {
  static override summary = 'Stop the gateway daemon gracefully.';
  static override description =
    'Sends SIGTERM: the gateway stops accepting, lets in-flight requests ' +
    'and streams finish (up to OCO_PROXY_DRAIN_TIMEOUT_MS), writes every ' +
    'queued usage record and exits. Stopping when none runs is not an error.';
  static override examples = ['<%= config.bin %> proxy stop', '<%= config.bin %> proxy stop --json'];

  async run(): Promise<{ stopped: boolean; pid?: number }> {
    await this.parse(ProxyStop);
    const r = await stopDaemon(this.loadConfig());
    if (!this.jsonEnabled()) this.log(r.stopped ? `oco gateway stopped (pid ${r.pid})` : 'oco gateway is not running');
    return r;
  }
}
