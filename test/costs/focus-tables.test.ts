import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SERVICE_CATEGORY_MAPS } from '../../src/core/cloud-costs/focus/service-categories.generated.js';
import { FOCUS_ALLOWED_VALUES, FOCUS_COLUMNS } from '../../src/core/cloud-costs/focus/columns.generated.js';
import {
  lookupServiceCategory,
  AWS_CE_DISPLAY_TO_PRODUCT_CODE,
  azureNamespace,
} from '../../src/core/cloud-costs/focus/categories.js';
import { GENERATED } from './focus-tables.gen.js';
import { FOCUS_REFERENCE } from '../helpers/reference.js';
import { readCsvFile } from './helpers.js';

describe('FOCUS tables generated from test/reference/focus', () => {
  it.each(GENERATED.map((g) => [g.file.split('/').pop()!, g]))(
    '%s is what the generator renders from the reference files (run npx tsx test/costs/focus-tables.gen.ts)',
    (_name, g) => {
      expect(readFileSync(g.file, 'utf8')).toBe(g.render());
    },
  );

  it('holds every row of the reference service → ServiceCategory maps', () => {
    for (const [provider, file, key] of [
      ['aws', 'aws_category_mapping.csv', 'product_code'],
      ['azure', 'azure_category_mapping.csv', 'ConsumedService'],
      ['gcp', 'gcp_category_mapping.csv', 'ConsumedService'],
    ] as const) {
      const rows = readCsvFile(`${FOCUS_REFERENCE}/service_category_mappings/${file}`);
      expect(Object.keys(SERVICE_CATEGORY_MAPS[provider])).toHaveLength(rows.length);
      for (const r of rows)
        expect(SERVICE_CATEGORY_MAPS[provider][r[key]!], `${provider} ${r[key]}`).toBe(r.ServiceCategory);
    }
    expect(FOCUS_COLUMNS).toHaveLength(readCsvFile(`${FOCUS_REFERENCE}/columns.csv`).length);
    expect(FOCUS_ALLOWED_VALUES.ServiceCategory).toContain('Databases');
  });

  it('maps Cost Explorer display names, Azure namespaces and GCP services; every mapped category is a FOCUS one', () => {
    expect(lookupServiceCategory('aws', 'Amazon Elastic Compute Cloud - Compute')).toBe('Compute');
    expect(lookupServiceCategory('aws', 'AmazonS3')).toBe('Storage');
    expect(
      lookupServiceCategory(
        'azure',
        azureNamespace('/subscriptions/x/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1'),
      ),
    ).toBe('Compute');
    expect(lookupServiceCategory('gcp', 'Compute Engine')).toBe('Compute');
    expect(lookupServiceCategory('gcp', 'No Such Service')).toBeUndefined();
    for (const code of Object.values(AWS_CE_DISPLAY_TO_PRODUCT_CODE))
      expect(lookupServiceCategory('aws', code), code).toBeDefined();
    const allowed = new Set(FOCUS_ALLOWED_VALUES.ServiceCategory);
    for (const map of Object.values(SERVICE_CATEGORY_MAPS))
      for (const c of Object.values(map)) expect(allowed.has(c), c).toBe(true);
  });
});
