import { UsageError } from '../base/errors.js';
import type { Store } from '../base/store/types.js';
import { decimalText } from './values.js';

/** Reporting rates: USD per one unit of a currency, set by the user. Costs stay stored as billed. */
export async function getRates(store: Store): Promise<Record<string, string>> {
  const rows = await store.all<{ currency: string; usd_per_unit: string }>(
    'SELECT currency, usd_per_unit FROM currency_rates ORDER BY currency',
  );
  return Object.fromEntries(rows.map((r) => [r.currency, String(r.usd_per_unit)]));
}

export async function listRates(
  store: Store,
): Promise<Array<{ currency: string; usdPerUnit: string; updatedAt: string }>> {
  const rows = await store.all<{ currency: string; usd_per_unit: string; updated_at: string }>(
    'SELECT currency, usd_per_unit, updated_at FROM currency_rates ORDER BY currency',
  );
  return rows.map((r) => ({
    currency: r.currency,
    usdPerUnit: String(r.usd_per_unit),
    updatedAt: String(r.updated_at),
  }));
}

export async function setRate(
  store: Store,
  currency: string,
  rate: string,
): Promise<{ currency: string; usdPerUnit: string }> {
  const code = currency.trim().toUpperCase();
  if (!/^[A-Z]{3}$/.test(code))
    throw new UsageError(`"${currency}" is not an ISO 4217 currency code`, {
      hint: 'Example: oco costs rates set EUR 1.08',
    });
  if (code === 'USD') throw new UsageError('USD is the reporting currency: its rate is always 1');
  const value = decimalText(rate.trim());
  if (value === undefined || !(Number(value) > 0))
    throw new UsageError(`rate "${rate}" is not a positive decimal`, {
      hint: 'Give USD per one unit of the currency, e.g. 1.08 for EUR.',
    });
  await store.run(
    `INSERT INTO currency_rates (currency, usd_per_unit, updated_at) VALUES ($1, $2, $3)
     ON CONFLICT (currency) DO UPDATE SET usd_per_unit = excluded.usd_per_unit, updated_at = excluded.updated_at`,
    [code, value, new Date()],
  );
  return { currency: code, usdPerUnit: value };
}
