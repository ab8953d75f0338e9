import { createInterface } from 'node:readline/promises';
import { Flags } from '@oclif/core';
import { OcoCommand } from './base-command.js';
import { UsageError } from '../base/errors.js';
import type { Store } from '../base/store/types.js';
import { ProgressReporter } from './velero/progress.js';
import { VeleroClient, type VeleroObject } from '../resilience/velero/resources.js';
import { describeTargets, type BulkKind } from '../resilience/velero/bulk.js';
import { summarize, waitForOutcome, type Outcome } from '../resilience/velero/outcome.js';
import { finishJob, recordObjects } from '../resilience/velero/records.js';
import { humanDuration } from '../resilience/velero/values.js';
import { connectKube, loadClientModule } from '../resilience/k8s/client.js';
import { normaliseBooleans, type FlagShape } from './velero/argv.js';
import { encode, type OutputFormat } from './velero/output.js';

/** Flags every command that talks to the cluster shares. */
export const kubeFlags = {
  context: Flags.string({
    description: 'kubeconfig context, also spelled --kubecontext (default: kube.context, else the current context)',
    // velero's name for it
    aliases: ['kubecontext'],
    helpGroup: 'KUBERNETES',
  }),
  kubeconfig: Flags.string({
    description: 'kubeconfig file (default: KUBECONFIG, ~/.kube/config, in-cluster)',
    helpGroup: 'KUBERNETES',
  }),
  namespace: Flags.string({
    char: 'n',
    description: 'namespace Velero runs in (default: velero.namespace / VELERO_NAMESPACE, else velero)',
    helpGroup: 'KUBERNETES',
  }),
};

/** logs and describe --details fetch from object storage, whose certificate may be signed by a private CA. */
export const cacertFlag = {
  cacert: Flags.string({
    description:
      "PEM file of the CA that signs the object storage certificate (default: the storage location's caCert)",
    helpGroup: 'KUBERNETES',
  }),
};

export const waitFlags = {
  wait: Flags.boolean({
    char: 'w',
    description: 'watch the object until it finishes; exit 0 only when it Completed, 4 when it failed',
  }),
  timeout: Flags.string({
    description: 'with --wait: give up after this long (Go duration); exit 1, code OCO_WAIT_TIMEOUT',
    default: '30m',
  }),
};

export interface KubeFlagValues {
  context?: string;
  kubeconfig?: string;
  namespace?: string;
}

/** An oco command that reads or writes Velero objects. */
export abstract class VeleroCommand<T> extends OcoCommand<T> {
  /** Velero's `--flag=true|false` becomes oclif's `--flag` / `--no-flag` before oclif parses (velero/argv.ts). */
  protected override async init(): Promise<void> {
    this.argv = normaliseBooleans(this.argv, (this.ctor.flags ?? {}) as Record<string, FlagShape>);
    await super.init();
  }

  protected async velero(flags: KubeFlagValues): Promise<VeleroClient> {
    // start loading the (large) client library while the configuration is read
    void loadClientModule();
    const config = this.loadConfig();
    const kube = await connectKube(config, { context: flags.context, kubeconfig: flags.kubeconfig });
    return new VeleroClient(kube, this.veleroNamespace(flags));
  }

  /** The Velero namespace, without touching the cluster (a dry run needs no kubeconfig). */
  protected veleroNamespace(flags: KubeFlagValues): string {
    return flags.namespace ?? this.loadConfig().string('velero.namespace') ?? 'velero';
  }

  /** -o yaml asks for another format than --json: refused before anything is read or sent. */
  protected checkOutput(format: string | undefined): OutputFormat | undefined {
    if (format === 'yaml' && this.jsonEnabled())
      throw new UsageError('--json and -o yaml ask for two formats: give one', {
        hint: 'Use -o json (or --json) for JSON, -o yaml for YAML.',
      });
    return format === 'json' || format === 'yaml' ? format : undefined;
  }

  /**
   * Prints the -o document (with --json, oclif prints what run() returns instead). False when no format was asked
   * for: the caller renders its table.
   */
  protected printAs(format: OutputFormat | undefined, data: unknown): boolean {
    if (this.jsonEnabled()) return true;
    if (!format) return false;
    this.log(encode(format, data));
    return true;
  }

  protected reporter(label: string): ProgressReporter {
    const mode = this.jsonEnabled() ? 'quiet' : process.stderr.isTTY ? 'tty' : 'lines';
    return new ProgressReporter(mode, label);
  }

  /** Awaits two things started together; settles both before failing, so nothing opened is left unclosed. */
  protected async both<A, B>(a: Promise<A>, b: Promise<B>): Promise<[A, B]> {
    const [ra, rb] = await Promise.allSettled([a, b]);
    if (ra.status === 'rejected') throw ra.reason;
    if (rb.status === 'rejected') throw rb.reason;
    return [ra.value, rb.value];
  }

  /**
   * Destructive actions: ask on a TTY, require --confirm otherwise (scripts must
   * say so explicitly), never ask with --json.
   */
  protected async confirmOrRefuse(question: string, confirmed: boolean): Promise<void> {
    if (confirmed) return;
    if (!process.stdin.isTTY || !process.stdout.isTTY || this.jsonEnabled()) {
      throw new UsageError(`${question.replace(/\?$/, '')}: refusing without --confirm when not on a terminal`, {
        code: 'OCO_CONFIRM_REQUIRED',
        hint: 'Add --confirm to do it non-interactively.',
      });
    }
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      const answer = (await rl.question(`${question} [y/N] `)).trim().toLowerCase();
      if (answer !== 'y' && answer !== 'yes') throw new UsageError('cancelled', { code: 'OCO_CANCELLED' });
    } finally {
      rl.close();
    }
  }

  /**
   * A destructive action on several objects: the list of what it will touch goes to stderr
   * before the question on a terminal, and into the refusal without one; nothing is touched
   * unless the answer is yes or --confirm was given.
   */
  protected async confirmTargets(
    action: string,
    kind: BulkKind,
    objects: VeleroObject[],
    confirmed: boolean,
    consequence = '',
  ): Promise<void> {
    if (confirmed || objects.length === 0) return;
    if (objects.length > 1 && process.stdin.isTTY && process.stdout.isTTY && !this.jsonEnabled())
      process.stderr.write(
        `${action} ${objects.length} ${kind}s${consequence}:\n${objects.map((o) => `  ${o.metadata.name}\n`).join('')}`,
      );
    await this.confirmOrRefuse(`${action} ${describeTargets(kind, objects)}${consequence}?`, confirmed);
  }

  /**
   * The --wait of backup/restore creation: watch with live progress, record the
   * outcome (job and record), print a one-line result, set the exit code of the phase.
   */
  protected async waitAndReport(
    client: VeleroClient,
    kind: 'backup' | 'restore',
    name: string,
    job: { store: Store; id: string; startedAt: Date; timeoutMs: number },
  ): Promise<Outcome & { summary: ReturnType<typeof summarize> }> {
    const progress = this.reporter(`${kind} ${name}`);
    let outcome: Outcome;
    try {
      outcome = await waitForOutcome(client, kind, name, {
        timeoutMs: job.timeoutMs,
        onChange: (o) => progress.update(o),
      });
    } catch (err) {
      await progress.stop();
      await finishJob(job.store, job.id, {
        exitCode: (err as { exitCode?: number }).exitCode ?? 1,
        error: (err as Error).message,
        startedAt: job.startedAt,
      });
      throw err;
    }
    await progress.stop();
    await recordObjects(job.store, kind, [outcome.object], client.kube.context, client.namespace);
    const summary = summarize(outcome.object);
    await finishJob(job.store, job.id, {
      phase: outcome.phase,
      exitCode: outcome.exitCode,
      error: summary.failure ?? undefined,
      startedAt: job.startedAt,
    });
    if (!this.jsonEnabled()) {
      const items = summary.totalItems !== null ? `${summary.items ?? 0}/${summary.totalItems} items, ` : '';
      const title = kind === 'backup' ? 'Backup' : 'Restore';
      this.log(
        `${title} "${name}": ${outcome.phase} (${items}${summary.errors} errors, ${summary.warnings} warnings) ` +
          `after ${humanDuration(outcome.waitedMs)}`,
      );
    }
    this.failAfterOutput(outcome.exitCode, {
      message: `${kind} "${name}" ended ${outcome.phase}${summary.failure ? `: ${summary.failure}` : ''}`,
      hint: `see oco ${kind} logs ${name} and oco ${kind} describe ${name}${kind === 'backup' ? ' --details' : ''}`,
    });
    return { ...outcome, summary };
  }
}
