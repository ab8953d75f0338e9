/**
 * Deterministic FOCUS 1.2 CSV generator for the import benchmark and the tests.
 * Amounts have 10 decimal places and include credits (negative rows); the exact
 * expected totals are kept as BigInt units of 1e-10 so checking them costs nothing.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createGzip } from 'node:zlib';

export const GENERATED_HEADER = [
  'BilledCost',
  'BillingAccountId',
  'BillingCurrency',
  'ChargeCategory',
  'ChargePeriodEnd',
  'ChargePeriodStart',
  'EffectiveCost',
  'ListCost',
  'ProviderName',
  'RegionId',
  'ResourceId',
  'ServiceCategory',
  'ServiceName',
  'SubAccountId',
  'Tags',
  'x_Generated',
];

const SERVICES = [
  ['Amazon Elastic Compute Cloud', 'Compute'],
  ['Amazon Simple Storage Service', 'Storage'],
  ['Amazon Relational Database Service', 'Databases'],
  ['AWS Lambda', 'Compute'],
  ['Amazon CloudFront', 'Networking'],
] as const;
const REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2'];
const TEAMS = ['payments', 'search', 'platform'];

export interface GeneratedTotals {
  rows: number;
  /** Exact sum of BilledCost in units of 1e-10. */
  billedUnits: bigint;
  effectiveUnits: bigint;
  days: { first: string; last: string };
}

export function unitsToDecimal(units: bigint): string {
  const neg = units < 0n;
  const s = (neg ? -units : units).toString().padStart(11, '0');
  return `${neg ? '-' : ''}${s.slice(0, -10)}.${s.slice(-10)}`;
}

/** Writes rows to file (gzip when it ends in .gz), streaming; returns the exact totals. */
export async function generateFocusCsv(
  file: string,
  rows: number,
  options: { seed?: number; startDay?: string; days?: number } = {},
): Promise<GeneratedTotals> {
  let seed = options.seed ?? 42;
  // A small LCG: deterministic across runs and machines, and fast.
  const rand = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    // The low bits of an LCG cycle quickly: take the high ones.
    return Math.floor((seed / 4294967296) * n);
  };
  const start = Date.parse(`${options.startDay ?? '2026-06-01'}T00:00:00Z`);
  const days = options.days ?? 30;
  const fileStream = createWriteStream(file);
  const gz = file.endsWith('.gz') ? createGzip({ level: 1 }) : undefined;
  if (gz) gz.pipe(fileStream);
  const out = gz ?? fileStream;
  out.write(`${GENERATED_HEADER.join(',')}\n`);
  let billedUnits = 0n;
  let effectiveUnits = 0n;
  let chunk = '';
  for (let i = 0; i < rows; i++) {
    const day = rand(days);
    const hour = rand(24);
    const t0 = new Date(start + day * 86_400_000 + hour * 3_600_000).toISOString().replace('.000Z', 'Z');
    const t1 = new Date(start + day * 86_400_000 + (hour + 1) * 3_600_000).toISOString().replace('.000Z', 'Z');
    const credit = rand(50) === 0;
    const whole = rand(1000);
    const frac = rand(1_000_000_000) * 10 + rand(10);
    const units = (BigInt(whole) * 10_000_000_000n + BigInt(frac)) * (credit ? -1n : 1n);
    const effUnits = credit ? units : (units * 9n) / 10n;
    billedUnits += units;
    effectiveUnits += effUnits;
    const [svc, cat] = SERVICES[rand(SERVICES.length)]!;
    const acct = `1000000000${rand(5)}`;
    chunk += `${unitsToDecimal(units)},9999,USD,${credit ? 'Credit' : 'Usage'},${t1},${t0},${unitsToDecimal(effUnits)},${unitsToDecimal(units < 0n ? units : units + 1n)},AWS,${REGIONS[rand(3)]},arn:aws:ec2:us-east-1:${acct}:instance/i-${i.toString(16)},${cat},${svc},${acct},"{""team"":""${TEAMS[rand(3)]}""}",${i}\n`;
    if (chunk.length > 1 << 16) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(fileStream, 'finish');
  const first = new Date(start).toISOString().slice(0, 10);
  const last = new Date(start + (days - 1) * 86_400_000).toISOString().slice(0, 10);
  return { rows, billedUnits, effectiveUnits, days: { first, last } };
}

if (process.argv[1]?.endsWith('generate.ts') || process.argv[1]?.endsWith('generate.js')) {
  const [file = 'focus-1m.csv', n = '1000000'] = process.argv.slice(2);
  const t = Date.now();
  const totals = await generateFocusCsv(file, Number(n));
  console.log(
    `wrote ${totals.rows} rows to ${file} in ${((Date.now() - t) / 1000).toFixed(1)}s; BilledCost total ${unitsToDecimal(totals.billedUnits)}`,
  );
}
