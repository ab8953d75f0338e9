import { Flags } from '@oclif/core';
import { OcoCommand } from '../../core/cli/base-command.js';
import { usePrivateUmask } from '../../core/base/config/private-files.js';
import { startDaemon } from '../../daemon/daemon.js';
import { fetchHealth, runningDaemon, startDetached } from '../../daemon/control.js';
import { isLoopback } from '../../daemon/settings.js';

interface StartResult {
  url: string;
  pid: number;
  alreadyRunning: boolean;
  logFile: string;
}

export default class ProxyStart extends OcoCommand<StartResult | void> {
  static override summary = 'Start the LLM gateway daemon.';
  static override description =
    'Listens on 127.0.0.1:8080 by default (OCO_PROXY_PORT, OCO_PROXY_HOST). Without ' +
    '--foreground it starts detached and returns once /health answers, printing the ' +
    'URL and pid. Starting while a gateway runs reports the running one.\n\n' +
    'Point SDKs at it: OpenAI base URL http://127.0.0.1:8080/v1/proxy/openai/v1, Anthropic ' +
    'http://127.0.0.1:8080/v1/proxy/anthropic, Gemini http://127.0.0.1:8080/v1/proxy/gemini.';
  static override examples = [
    '<%= config.bin %> proxy start',
    '<%= config.bin %> proxy start --port 9090 --json',
    '<%= config.bin %> proxy start --foreground',
    '<%= config.bin %> proxy start --metrics-port 9464',
    'OCO_PROXY_API_KEY=secret <%= config.bin %> proxy start --host 0.0.0.0',
  ];
  static override flags = {
    port: Flags.integer({
      char: 'p',
      summary: 'Port to listen on (default OCO_PROXY_PORT or 8080).',
      min: 0,
      max: 65535,
    }),
    host: Flags.string({ summary: 'Address to bind (default OCO_PROXY_HOST or 127.0.0.1).' }),
    'metrics-port': Flags.integer({
      summary: 'Serve /metrics on this port, without a key, instead of the gateway port (OCO_METRICS_PORT).',
      min: 1,
      max: 65535,
    }),
    foreground: Flags.boolean({
      summary: 'Run in this process, logging to stdout and the log file, until SIGTERM/SIGINT.',
    }),
  };

  async run(): Promise<StartResult | void> {
    const { flags } = await this.parse(ProxyStart);
    const config = this.loadConfig({
      'proxy.port': flags.port === undefined ? undefined : { value: flags.port, flag: 'port' },
      'proxy.host': flags.host === undefined ? undefined : { value: flags.host, flag: 'host' },
      'metrics.port':
        flags['metrics-port'] === undefined ? undefined : { value: flags['metrics-port'], flag: 'metrics-port' },
    });
    const host = config.string('proxy.host')!;
    const port = config.int('proxy.port');
    if (!isLoopback(host) && !config.string('proxy.apiKey')) {
      process.stderr.write(
        `Warning: binding ${host} (not loopback) without OCO_PROXY_API_KEY: ` +
          'anyone who can reach it can spend through it.\n',
      );
    }
    const running = runningDaemon(config);
    if (running && (await fetchHealth(running.url))) {
      if (!this.jsonEnabled()) this.log(`oco gateway already running at ${running.url} (pid ${running.pid})`);
      return { url: running.url, pid: running.pid, alreadyRunning: true, logFile: running.logFile };
    }
    if (flags.foreground) {
      usePrivateUmask();
      const daemon = await startDaemon(config, { host, port, stdoutLogs: true });
      process.stderr.write(`oco gateway listening on ${daemon.state.url} (pid ${process.pid}); Ctrl-C stops it\n`);
      await new Promise<void>((resolve) => {
        const onSignal = () => {
          process.off('SIGTERM', onSignal);
          process.off('SIGINT', onSignal);
          void daemon.stop().then(resolve, resolve);
        };
        process.on('SIGTERM', onSignal);
        process.on('SIGINT', onSignal);
      });
      return;
    }
    const state = await startDetached(config, { host, port, metricsPort: flags['metrics-port'] });
    if (!this.jsonEnabled()) this.log(`oco gateway started at ${state.url} (pid ${state.pid}); logs: ${state.logFile}`);
    return { url: state.url, pid: state.pid, alreadyRunning: false, logFile: state.logFile };
  }
}
