import { Flags } from '@oclif/core';
import { yaml } from '../../base/lazy.js';
import { listFlag } from './list-flag.js';
import type { ObjectMetaOptions } from '../../resilience/velero/builders.js';
import { parseKeyValues } from '../../resilience/velero/locations.js';
import { requireMetadataMap } from '../../resilience/velero/values.js';

export const OUTPUT_FORMATS = ['json', 'yaml'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** -o of backup/restore/schedule create: velero's dry run, the object printed and nothing sent. */
export const createOutputFlag = {
  output: Flags.string({
    char: 'o',
    description: 'print the object that would be created, as json or yaml, and create nothing (velero dry run)',
    options: [...OUTPUT_FORMATS],
  }),
};

/** --labels / --annotations of the created object itself, as velero names them. */
export const metadataFlags = {
  labels: listFlag('labels of the object itself: key=value,key2=value2'),
  annotations: listFlag('annotations of the object itself: key=value,key2=value2'),
};

/** -o of backup/restore/schedule describe: the --json document as JSON or YAML instead of the description. */
export const describeOutputFlag = {
  output: Flags.string({
    char: 'o',
    description: 'json (the --json document) or yaml (the same document as YAML) instead of the description',
    options: [...OUTPUT_FORMATS],
  }),
};

/** -o and --show-labels of the list commands, as velero get names them. */
export const listOutputFlags = {
  output: Flags.string({
    char: 'o',
    description: 'table (default), json (the --json document) or yaml (the same document as YAML)',
    options: ['table', ...OUTPUT_FORMATS],
  }),
  'show-labels': Flags.boolean({ description: "add a labels column (and each row's labels to json/yaml)" }),
};

/** The document in the format -o asked for. */
export function encode(format: OutputFormat, data: unknown): string {
  return format === 'json' ? JSON.stringify(data, null, 2) : yaml().stringify(data).trimEnd();
}

/** --labels and --annotations as checked metadata maps (a bad key or label value is exit 2 naming the flag). */
export function metadataFromFlags(flags: { labels?: string[]; annotations?: string[] }): ObjectMetaOptions {
  const map = (values: string[] | undefined, where: string, kind: 'label' | 'annotation') =>
    values?.length ? requireMetadataMap(parseKeyValues(values.join(','), where), where, kind) : undefined;
  return {
    labels: map(flags.labels, '--labels', 'label'),
    annotations: map(flags.annotations, '--annotations', 'annotation'),
  };
}

/** velero get --show-labels: k=v pairs sorted by key, comma-separated. */
export function labelsText(labels: Record<string, string> | undefined): string {
  return Object.entries(labels ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}
