/**
 * The detached daemon's entry point. `oco proxy start` spawns this file
 * directly rather than the CLI, so the daemon loads only the gateway's modules
 * (not every command's dependencies): less memory, faster start.
 * Usage: node dist/daemon/main.js --host H --port P
 */
import { usePrivateUmask } from '../core/base/config/private-files.js';
import { OcoConfig } from '../core/base/config/resolve.js';
import { formatError, isOcoError } from '../core/base/errors.js';
import { startDaemon } from './daemon.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? undefined : process.argv[i + 1];
}

async function main(): Promise<void> {
  usePrivateUmask();
  const host = arg('host');
  const port = arg('port');
  const metricsPort = arg('metrics-port');
  const config = OcoConfig.load({
    flags: {
      'proxy.host': host === undefined ? undefined : { value: host, flag: 'host' },
      'proxy.port': port === undefined ? undefined : { value: port, flag: 'port' },
      'metrics.port': metricsPort === undefined ? undefined : { value: metricsPort, flag: 'metrics-port' },
    },
  });
  const daemon = await startDaemon(config, { host: config.string('proxy.host')!, port: config.int('proxy.port') });
  const onSignal = () => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    void daemon.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

main().catch((err: unknown) => {
  // stderr goes to logs/proxy.stderr, which "oco proxy start" prints when the start fails. A typed
  // error also goes there as one JSON line, so that "oco proxy start" fails with the same code and
  // exit code (e.g. 3 for an unreachable database) instead of a generic start failure.
  if (isOcoError(err)) {
    process.stderr.write(`${formatError(err)}${JSON.stringify({ error: err.toJSON() })}\n`);
    process.exit(err.exitCode);
  }
  process.stderr.write(formatError({ message: String((err as Error).stack) }));
  process.exit(1);
});
