import { Flags } from '@oclif/core';
import { OcoCommand } from '../../core/cli/base-command.js';
import { runningDaemon, startDetached, stopDaemon } from '../../daemon/control.js';

export default class ProxyRestart extends OcoCommand<{ url: string; pid: number; previousPid?: number }> {
  static override summary = 'Stop the gateway gracefully and start it again (detached).';
  static override description = "Keeps the running daemon's host and port unless --host/--port say otherwise.";
  static override examples = ['<%= config.bin %> proxy restart', '<%= config.bin %> proxy restart --port 9090 --json'];
  static override flags = {
    port: Flags.integer({ char: 'p', summary: 'Port to listen on.', min: 0, max: 65535 }),
    host: Flags.string({ summary: 'Address to bind.' }),
  };

  async run(): Promise<{ url: string; pid: number; previousPid?: number }> {
    const { flags } = await this.parse(ProxyRestart);
    const before = runningDaemon(this.loadConfig());
    const config = this.loadConfig({
      'proxy.port': { value: flags.port ?? before?.port, flag: 'port' },
      'proxy.host': { value: flags.host ?? before?.host, flag: 'host' },
    });
    const stopped = await stopDaemon(config);
    const state = await startDetached(config, { host: config.string('proxy.host')!, port: config.int('proxy.port') });
    if (!this.jsonEnabled()) this.log(`oco gateway restarted at ${state.url} (pid ${state.pid})`);
    return { url: state.url, pid: state.pid, ...(stopped.pid ? { previousPid: stopped.pid } : {}) };
  }
}
