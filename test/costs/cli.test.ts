import { PassThrough } from 'node:stream';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Progress } from '../../src/core/cli/progress.js';
import { runOco, tempHome, type TempHome } from '../helpers/cli.js';
import { readCsv } from './helpers.js';

const SAMPLE = [
  'BilledCost,BillingCurrency,ChargePeriodStart,ChargePeriodEnd,ServiceName,SubAccountId,RegionId,ResourceId,Tags,ProviderName',
  '10.005,USD,2025-03-01T00:00:00Z,2025-03-02T00:00:00Z,Amazon EC2,111,us-east-1,i-1,"{""team"":""a""}",AWS',
  '0.0000001,USD,2025-03-01T00:00:00Z,2025-03-02T00:00:00Z,Amazon S3,111,us-east-1,b-1,"{""team"":""b""}",AWS',
  '2.5,EUR,2025-03-02T00:00:00Z,2025-03-03T00:00:00Z,Amazon EC2,222,eu-west-1,i-2,,AWS',
  '-1.005,USD,2025-04-01T00:00:00Z,2025-04-02T00:00:00Z,Amazon EC2,111,us-east-1,i-1,"{""team"":""a""}",AWS',
].join('\n');

describe('oco costs commands', () => {
  let home: TempHome;
  let file: string;
  beforeAll(async () => {
    home = tempHome();
    file = join(home.path, 'sample.csv');
    writeFileSync(file, SAMPLE);
  });
  afterAll(() => home?.cleanup());

  it('import prints one JSON document, summary sums exactly by any key, --csv prints CSV', async () => {
    const r = await runOco(['costs', 'import', file, '--json'], { home: home.path });
    expect(r.code).toBe(0);
    expect(r.json()).toMatchObject({
      rows: 4,
      invalid: 0,
      files: [
        { source: 'focus:sample.csv', provider: 'aws', rows: 4, window: { from: '2025-03-01', to: '2025-04-02' } },
      ],
    });
    const byService = (await runOco(['costs', 'summary', '--by', 'service', '--json'], { home: home.path })).json();
    expect(byService.rows.map((x: { key: string; byCurrency: object }) => [x.key, x.byCurrency])).toEqual([
      ['Amazon S3', { USD: '0.0000001' }],
      ['Amazon EC2', { USD: '9', EUR: '2.5' }],
    ]);
    // No EUR rate yet: EC2's USD total is unknown (not guessed), so it ranks after the known one.
    expect(byService.rows[1].costUsd).toBeNull();
    const month = (await runOco(['costs', 'summary', '--by', 'month', '--json'], { home: home.path })).json();
    expect(month.rows.map((x: { key: string }) => x.key)).toEqual(['2025-03', '2025-04']);
    const window = (
      await runOco(['costs', 'summary', '--by', 'day', '--from', '2025-03-02', '--to', '2025-03-02', '--json'], {
        home: home.path,
      })
    ).json();
    expect(window.rows).toEqual([{ key: '2025-03-02', costUsd: null, byCurrency: { EUR: '2.5' }, rows: 1 }]);
    const csv = await runOco(['costs', 'summary', '--by', 'tag:team', '--csv'], { home: home.path });
    expect(readCsv(csv.stdout)).toEqual([
      { 'tag:team': 'a', cost_usd: '9', EUR: '', USD: '9', rows: '2' },
      { 'tag:team': 'b', cost_usd: '0.0000001', EUR: '', USD: '0.0000001', rows: '1' },
      { 'tag:team': '', cost_usd: '', EUR: '2.5', USD: '', rows: '1' },
    ]);
    // `oco costs summary | head -1`: the reader leaves early; that is no failure and adds nothing to stderr.
    for (const extra of [[], ['--json'], ['--csv']]) {
      const args = ['costs', 'summary', '--by', 'service', ...extra];
      const [piped, whole] = [
        await runOco(args, { home: home.path, closeStdout: true }),
        await runOco(args, { home: home.path }),
      ];
      expect({ extra, code: piped.code, stderr: piped.stderr }).toEqual({ extra, code: 0, stderr: whole.stderr });
    }
    const human = await runOco(['costs', 'summary', '--by', 'account'], { home: home.path });
    expect(human.stdout).toMatch(/ACCOUNT\s+COST_USD\s+EUR\s+USD\s+ROWS/);
    expect(human.stderr).toContain('no rate for EUR');
  });

  it('top ranks by USD, rates set/list convert, bad input exits 2', async () => {
    expect((await runOco(['costs', 'rates', 'set', 'EUR', 'abc'], { home: home.path })).code).toBe(2);
    expect((await runOco(['costs', 'rates', 'set', 'EURO', '1.1'], { home: home.path })).code).toBe(2);
    expect((await runOco(['costs', 'rates', 'set', 'eur', '1.1', '--json'], { home: home.path })).json()).toEqual({
      currency: 'EUR',
      usdPerUnit: '1.1',
    });
    expect((await runOco(['costs', 'rates', 'list', '--json'], { home: home.path })).json().rates).toMatchObject([
      { currency: 'EUR', usdPerUnit: '1.1' },
    ]);
    const top = (await runOco(['costs', 'top', '--limit', '2', '--json'], { home: home.path })).json();
    expect(top.rows.map((x: { key: string; costUsd: string }) => [x.key, x.costUsd])).toEqual([
      ['i-1', '9'],
      ['i-2', '2.75'],
    ]);
    const bad = await runOco(['costs', 'summary', '--by', 'colour'], { home: home.path });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown --by "colour"');
    expect((await runOco(['costs', 'summary', '--from', '2025-13-01'], { home: home.path })).code).toBe(2);
    expect((await runOco(['costs', 'ingest', '--from', 'yesterday'], { home: home.path })).code).toBe(2);
  });

  it('export writes a FOCUS CSV that imports back to the same totals', async () => {
    const out = join(home.path, 'out.csv');
    expect((await runOco(['costs', 'export', '--format', 'focus-csv', '--json'], { home: home.path })).code).toBe(2);
    const r = await runOco(['costs', 'export', '--format', 'focus-csv', '--output', out, '--json'], {
      home: home.path,
    });
    expect(r.json()).toEqual({ format: 'focus-csv', rows: 4, output: out });
    const rows = readCsv(readFileSync(out, 'utf8'));
    expect(Object.keys(rows[0]!)).toEqual(
      expect.arrayContaining([
        'BilledCost',
        'BillingCurrency',
        'ChargePeriodStart',
        'ChargePeriodEnd',
        'ProviderName',
        'ServiceName',
        'Tags',
      ]),
    );
    expect(rows.map((x) => x.BilledCost).sort()).toEqual(['-1.005', '0.0000001', '10.005', '2.5']);
    const other = tempHome();
    try {
      await runOco(['costs', 'import', out], { home: other.path });
      const a = (await runOco(['costs', 'summary', '--by', 'tag:team', '--json'], { home: home.path })).json();
      const b = (await runOco(['costs', 'summary', '--by', 'tag:team', '--json'], { home: other.path })).json();
      const pairs = (s: { rows: Array<{ key: string; byCurrency: object }> }) =>
        s.rows.map((x) => JSON.stringify([x.key, x.byCurrency])).sort();
      expect(pairs(b)).toEqual(pairs(a));
    } finally {
      other.cleanup();
    }
  });

  it('a malformed row names file, line and column (exit 2); runs lists the failures', async () => {
    const bad = join(home.path, 'bad.csv');
    writeFileSync(bad, `${SAMPLE}\n1.0,USD,2025-03-01T00:00:00Z,2025-03-02T00:00:00Z,X,1,r,i,{not json},AWS\n`);
    const r = await runOco(['costs', 'import', bad], { home: home.path });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'Error: bad.csv:6 column Tags: is not valid JSON\nHint: Fix the file, or pass --skip-invalid to import the valid rows and count the rest. Nothing was written.\n',
    );
    const j = await runOco(['costs', 'import', bad, '--json'], { home: home.path });
    expect(j.json().error).toMatchObject({
      code: 'OCO_FOCUS_INVALID_ROW',
      exitCode: 2,
      details: { file: 'bad.csv', line: 6, column: 'Tags' },
    });
    const skipped = await runOco(['costs', 'import', bad, '--skip-invalid'], { home: home.path });
    expect(skipped.code).toBe(0);
    expect(skipped.stderr).toContain('skipped: bad.csv:6 column Tags');
    const runs = (await runOco(['costs', 'runs', '--source', 'focus:bad.csv', '--json'], { home: home.path })).json();
    expect(runs.runs.map((x: { status: string; rowsWritten: number }) => [x.status, x.rowsWritten])).toEqual([
      ['succeeded', 4],
      ['failed', 0],
      ['failed', 0],
    ]);
    expect(runs.runs[1].error).toBe('OCO_FOCUS_INVALID_ROW: bad.csv:6 column Tags: is not valid JSON');
  });

  it('a missing file exits 2 naming it; a file without a FOCUS header says what the header needs, not --skip-invalid', async () => {
    const other = tempHome();
    try {
      const opts = { home: other.path, cwd: other.path };
      const missing = await runOco(['costs', 'import', 'missing.csv'], opts);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toBe(
        'Error: cannot read missing.csv: no such file\nHint: Give the path of a FOCUS export (CSV, CSV.gz or Parquet).\n',
      );
      expect((await runOco(['costs', 'import', 'missing.csv', '--json'], opts)).json().error).toMatchObject({
        code: 'OCO_FILE_NOT_FOUND',
        exitCode: 2,
        details: { file: 'missing.csv' },
      });

      const needs =
        'Hint: A FOCUS file starts with a header row of FOCUS column names; oco needs at least BilledCost, ChargePeriodStart, ChargePeriodEnd and BillingCurrency (or --currency CODE). --skip-invalid skips bad rows, not a bad header. Nothing was written.\n';
      writeFileSync(join(other.path, 'junk.txt'), 'hello world\nthis is not a cost export\n');
      writeFileSync(join(other.path, 'partial.csv'), 'BilledCost,BillingCurrency,ServiceName\n1,USD,EC2\n');
      writeFileSync(join(other.path, 'empty.csv'), '');
      for (const [file, error] of [
        ['junk.txt', 'junk.txt:1: this is not a FOCUS file: its header names no FOCUS column'],
        [
          'partial.csv',
          'partial.csv:1: required FOCUS columns ChargePeriodStart, ChargePeriodEnd are missing from the header',
        ],
        ['empty.csv', 'empty.csv:1: the file is empty: no FOCUS header'],
      ] as const) {
        for (const extra of [[], ['--skip-invalid']]) {
          const r = await runOco(['costs', 'import', file, ...extra], opts);
          expect({ file, extra, code: r.code, stderr: r.stderr }).toEqual({
            file,
            extra,
            code: 2,
            stderr: `Error: ${error}\n${needs}`,
          });
        }
      }
      const j = (await runOco(['costs', 'import', 'partial.csv', '--json'], opts)).json();
      expect(j.error).toMatchObject({
        code: 'OCO_FOCUS_INVALID_HEADER',
        exitCode: 2,
        details: { file: 'partial.csv', line: 1, columns: ['ChargePeriodStart', 'ChargePeriodEnd'] },
      });
    } finally {
      other.cleanup();
    }
  });

  it('files each row under its own provider; --provider contradicting a row exits 2 and writes nothing', async () => {
    const mixed = join(home.path, 'mixed.csv');
    writeFileSync(
      mixed,
      [
        'BilledCost,BillingCurrency,ChargePeriodStart,ChargePeriodEnd,ServiceName,ProviderName',
        '1.25,USD,2025-09-01T00:00:00Z,2025-09-02T00:00:00Z,Amazon EC2,AWS',
        '2.5,USD,2025-09-01T00:00:00Z,2025-09-02T00:00:00Z,Virtual Machines,Microsoft',
      ].join('\n'),
    );
    const refused = await runOco(['costs', 'import', mixed, '--provider', 'aws', '--json'], { home: home.path });
    expect(refused.code).toBe(2);
    expect(refused.json().error).toMatchObject({
      code: 'OCO_FOCUS_PROVIDER_MISMATCH',
      details: { file: 'mixed.csv', line: 3, column: 'ProviderName', rowProvider: 'Microsoft' },
    });
    const r = await runOco(['costs', 'import', mixed, '--json'], { home: home.path });
    expect(r.json().files[0]).toMatchObject({ provider: 'aws,azure', providers: { aws: 1, azure: 1 } });
    const byProvider = (
      await runOco(['costs', 'summary', '--by', 'provider', '--from', '2025-09-01', '--to', '2025-09-01', '--json'], {
        home: home.path,
      })
    ).json();
    expect(byProvider.rows.map((x: { key: string; byCurrency: object }) => [x.key, x.byCurrency])).toEqual([
      ['azure', { USD: '2.5' }],
      ['aws', { USD: '1.25' }],
    ]);
  });

  it('shows examples in --help and lists file sources', async () => {
    const help = await runOco(['costs', 'import', '--help'], { home: home.path });
    expect(help.stdout).toContain('EXAMPLES');
    expect(help.stdout).toContain('--skip-invalid');
    expect(help.stdout).toContain('ServiceProviderName');
    const sources = (await runOco(['costs', 'sources', '--no-check', '--json'], { home: home.path })).json();
    expect(
      sources.sources
        .filter((s: { kind: string }) => s.kind === 'file')
        .map((s: { provider: string }) => s.provider)
        .sort(),
    ).toEqual(['focus:bad.csv', 'focus:mixed.csv', 'focus:sample.csv']);
  });
});

describe('progress', () => {
  /** A terminal-like stream (Ink needs a real stream: events, columns). */
  function fakeStream(isTTY: boolean) {
    const writes: string[] = [];
    const stream = Object.assign(new PassThrough(), { isTTY, columns: 120, rows: 40 });
    stream.on('data', (d: Buffer) => writes.push(d.toString('utf8')));
    return { writes, stream: stream as unknown as NodeJS.WriteStream };
  }
  it('draws pages, rows and elapsed time on a terminal, nothing with --json or without one', async () => {
    const tty = fakeStream(true);
    const p = new Progress({ json: false, stream: tty.stream });
    p.update({ label: 'aws', pages: 2, rows: 12345, requests: 3 });
    await p.done();
    const seen = tty.writes.join('').replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, '');
    expect(seen).toMatch(/aws 2 pages {2}12,345 rows {2}3 requests {2}\d+s/);
    const pipe = fakeStream(false);
    new Progress({ json: false, stream: pipe.stream }).update({ rows: 1 });
    const json = fakeStream(true);
    new Progress({ json: true, stream: json.stream }).update({ rows: 1 });
    expect(pipe.writes).toEqual([]);
    expect(json.writes).toEqual([]);
  });
});
