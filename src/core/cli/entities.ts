import { Args, Flags } from '@oclif/core';
import type { EntityReferences, EntityScope, OrgView, TeamView } from '../gateway/entities/service.js';
import { renderTable } from './table.js';

/** Flags and rendering shared by `oco teams …` and `oco orgs …` (values validated by the service). */
export function entityFlags(scope: EntityScope, update: boolean) {
  return {
    ...(scope === 'team'
      ? {
          org: Flags.string({
            summary: update
              ? 'The org the team belongs to (a managed org); "none" detaches it.'
              : 'The org the team belongs to (a managed org): its allow-lists and defaults apply to the team.',
          }),
        }
      : {}),
    description: Flags.string({ summary: `What the ${scope} is, for people${update ? '; "" clears it' : ''}.` }),
    metadata: Flags.string({
      summary: `A label k=v (repeatable)${update ? '; k= removes k' : ''}.`,
      multiple: true,
    }),
    models: Flags.string({
      summary: `Models the ${scope}'s calls may use: a comma list where * stands for any characters; "none" lifts it.`,
    }),
    providers: Flags.string({ summary: `Providers the ${scope}'s calls may use (comma list); "none" lifts it.` }),
    'default-budget': Flags.string({
      summary: `USD budget a key created in the ${scope} gets when it names none ("none" clears).`,
    }),
    'default-budget-period': Flags.string({
      summary: 'Period of that default budget: daily, weekly, monthly (default) or total.',
    }),
    'default-rpm': Flags.string({
      summary: `Requests per minute a key created in the ${scope} gets when it names none ("none" clears).`,
    }),
  };
}

export const entityNameArg = (scope: EntityScope) => ({
  name: Args.string({ description: `The ${scope}'s name: the label its calls carry.`, required: true }),
});

export function describeEntity(e: (TeamView | OrgView) & { references?: EntityReferences }): string {
  const meta = Object.entries(e.metadata).map(([a, b]) => `${a}=${b}`);
  const rows: Array<[string, string | null | undefined]> = [
    ['name', e.name],
    ...(e.scope === 'team'
      ? [['org', (e as TeamView).org ?? '-'] as [string, string]]
      : [['teams', (e as OrgView).teams.join(', ') || '-'] as [string, string]]),
    ['description', e.description],
    ['models', e.allowedModels?.join(', ') ?? 'any'],
    ['providers', e.allowedProviders?.join(', ') ?? 'any'],
    [
      'key defaults',
      [
        e.defaultBudgetUsd ? `budget ${e.defaultBudgetUsd} USD ${e.defaultBudgetPeriod}` : undefined,
        e.defaultRpm ? `${e.defaultRpm} rpm` : undefined,
      ]
        .filter(Boolean)
        .join(', ') || 'none',
    ],
    ['metadata', meta.length ? meta.join(', ') : '-'],
    ['created', e.createdAt],
    ['updated', e.updatedAt],
  ];
  if (e.references)
    rows.push([
      'referenced by',
      `${e.references.keys} keys, ${e.references.teams} teams, ${e.references.budgets} budgets, ` +
        `${e.references.rateLimits} rate limits`,
    ]);
  return rows.map(([k, v]) => `${k.padEnd(13)} ${v ?? '-'}`).join('\n');
}

export function entityTable(scope: EntityScope, list: ReadonlyArray<TeamView | OrgView>): string {
  if (list.length === 0) return `No ${scope}s. Create one with "oco ${scope}s create NAME".`;
  return renderTable(
    list.map((e) => ({
      ...e,
      parent: e.scope === 'team' ? ((e as TeamView).org ?? '-') : (e as OrgView).teams.join(',') || '-',
      models: e.allowedModels?.join(',') ?? 'any',
      providers: e.allowedProviders?.join(',') ?? 'any',
      defaults:
        [
          e.defaultBudgetUsd ? `${e.defaultBudgetUsd} USD ${e.defaultBudgetPeriod}` : '',
          e.defaultRpm ? `${e.defaultRpm} rpm` : '',
        ]
          .filter(Boolean)
          .join(', ') || '-',
    })),
    [
      { key: 'name' },
      { key: 'parent', header: scope === 'team' ? 'org' : 'teams' },
      { key: 'models' },
      { key: 'providers' },
      { key: 'defaults', header: 'key defaults' },
      { key: 'description' },
    ],
  );
}
