import { Flags } from '@oclif/core';
import type { VirtualKey } from '../gateway/keys/service.js';
import type { LimitsView } from '../gateway/keys/view.js';

/** The flags `keys create` and `keys update` share: allow-lists, metadata, budget and rpm. */
export const KEY_FLAGS = {
  models: Flags.string({
    summary: 'Models the key may call: a comma list of names where * stands for any characters; "none" lifts it.',
  }),
  providers: Flags.string({
    summary: 'Providers the key may call (openai, anthropic, gemini, an upstream\'s NAME); "none" lifts it.',
  }),
  metadata: Flags.string({
    summary: 'A label k=v shown in "keys list/get" (repeatable); on update, k= removes k.',
    multiple: true,
  }),
  budget: Flags.string({ summary: "A budget in USD for the key's calls (hard: calls over it are refused)." }),
  period: Flags.string({
    summary: 'The budget period: daily, weekly, monthly (default), rolling (with --window), total.',
  }),
  window: Flags.string({ summary: 'The window of a rolling budget, e.g. 24h or 7d.' }),
  rpm: Flags.string({ summary: 'Requests per minute the key may send.' }),
};

/** A key as `keys get` prints it without --json. */
export function describeKey(k: VirtualKey & { limits?: LimitsView }): string {
  const meta = Object.entries(k.metadata).map(([a, b]) => `${a}=${b}`);
  const rows: Array<[string, string | null | undefined]> = [
    ['id', k.id],
    ['name', k.name],
    ['prefix', k.prefix],
    ['status', k.status],
    ['org / team', `${k.orgId ?? '-'} / ${k.teamId ?? '-'}`],
    ['agent / user', `${k.agentId ?? '-'} / ${k.userId ?? '-'}`],
    ['models', k.allowedModels?.join(', ') ?? 'any (within its team and org lists)'],
    ['providers', k.allowedProviders?.join(', ') ?? 'any (within its team and org lists)'],
    ['metadata', meta.length ? meta.join(', ') : '-'],
    ['expires', k.expiresAt ?? 'never'],
    ['blocked', k.blockedAt],
    ['revoked', k.revokedAt],
    ['old secret until', k.previousValidUntil],
    ['last used', k.lastUsedAt ?? 'never'],
  ];
  if (k.limits) {
    const b = k.limits.budget;
    rows.push(['budget', b ? `${b.limitUsd} USD ${b.period} (${b.id})` : 'none']);
    rows.push(['rpm', k.limits.rpm ? `${k.limits.rpm.limit} (${k.limits.rpm.id})` : 'none']);
  }
  return rows
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([a, v]) => `${a.padEnd(17)}${v}`)
    .join('\n');
}
