import { describe, expect, it } from 'vitest';
import { dayAfter, detectAnomalies, type SeriesPoint } from '../../src/core/base/anomaly/detect.js';
import { money } from '../../src/core/base/money.js';

/** A deterministic generator (mulberry32), so every run judges the same series. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const START = '2026-01-05'; // a Monday
/** Weekday load (Mon..Sun as getUTCDay order Sun..Sat): weekends cost a third of a weekday. */
const WEEKLY = [0.35, 1, 1, 1.05, 1, 0.95, 0.35];

/** A seasonal series in cents (exact decimals), `base` per weekday, ±`noise` relative. */
function seasonal(days: number, base: number, noise: number, seed: number): SeriesPoint[] {
  const r = rng(seed);
  return Array.from({ length: days }, (_, i) => {
    const day = dayAfter(START, i);
    const wd = new Date(`${day}T00:00:00Z`).getUTCDay();
    const v = base * WEEKLY[wd]! * (1 + (r() * 2 - 1) * noise);
    return { day, amount: money(v.toFixed(2)) };
  });
}

const judgeFrom = dayAfter(START, 28);

describe('anomaly detection', () => {
  it('finds injected one-day spikes on weekly-seasonal series: precision and recall', () => {
    let truePos = 0;
    let falsePos = 0;
    let injected = 0;
    for (let s = 1; s <= 40; s++) {
      const r = rng(1000 + s);
      const series = seasonal(120, 200, 0.12, s);
      const spikes = new Set<string>();
      for (let k = 0; k < 3; k++) {
        // Spikes 10 to 50 days apart, after the first 28 days, each +20 % to +150 % of a weekday's cost:
        // the smallest are below the 50 USD minimum impact or within the noise, and are meant to be missed.
        const i = 28 + k * 30 + Math.floor(r() * 20);
        series[i] = { ...series[i]!, amount: series[i]!.amount.plus(money((40 + r() * 260).toFixed(2))) };
        spikes.add(series[i]!.day);
      }
      injected += spikes.size;
      const found = detectAnomalies(series, { minImpact: money(50), from: judgeFrom }).filter(
        (a) => a.kind === 'spike',
      );
      for (const a of found)
        if (spikes.has(a.firstDay)) truePos++;
        else falsePos++;
    }
    const precision = truePos / (truePos + falsePos);
    const recall = truePos / injected;
    console.log(
      `spikes: injected ${injected}, found ${truePos}, false ${falsePos}; ` +
        `precision ${precision.toFixed(3)}, recall ${recall.toFixed(3)}`,
    );
    expect(recall).toBeGreaterThanOrEqual(0.85);
    expect(precision).toBeGreaterThanOrEqual(0.97);
  });

  it('stays quiet on clean seasonal series, weekend dips included', () => {
    for (let s = 1; s <= 40; s++) {
      const found = detectAnomalies(seasonal(120, 200, 0.1, s), { minImpact: money(50), from: judgeFrom });
      expect(found, `seed ${s}`).toEqual([]);
    }
  });

  it('a level shift is one spike event spanning its days, with the excess summed exactly', () => {
    const series = (days: number): SeriesPoint[] =>
      Array.from({ length: days }, (_, i) => ({
        day: dayAfter(START, i),
        amount: money(i < 40 ? '100.10' : '250.35'),
      }));
    // Five days in: each is 150.25 over the flat baseline.
    const early = detectAnomalies(series(45), { minImpact: money(50), from: judgeFrom });
    expect(early).toHaveLength(1);
    expect(early[0]).toMatchObject({ kind: 'spike', firstDay: dayAfter(START, 40), lastDay: dayAfter(START, 44) });
    expect(early[0]!.impact.toFixed()).toBe('751.25');
    expect(early[0]!.expected.toFixed()).toBe('100.1');
    // Seven weeks on, the baseline has absorbed the new level: still that one event, never a second.
    const late = detectAnomalies(series(90), { minImpact: money(50), from: judgeFrom });
    expect(late).toHaveLength(1);
    expect(late[0]!.firstDay).toBe(dayAfter(START, 40));
  });

  it('small or percentage-only blips do not fire; the minimum impact is absolute', () => {
    // A tiny series tripling is 300 % but 2 USD a day.
    const series: SeriesPoint[] = Array.from({ length: 40 }, (_, i) => ({
      day: dayAfter(START, i),
      amount: money(i === 35 ? '3' : '1'),
    }));
    expect(detectAnomalies(series, { minImpact: money(50), from: judgeFrom })).toEqual([]);
    expect(detectAnomalies(series, { minImpact: money(1), from: judgeFrom })).toMatchObject([
      { kind: 'spike', firstDay: dayAfter(START, 35), impact: money(2) },
    ]);
  });

  it('new cost, cost stopped and steady growth', () => {
    const newCost: SeriesPoint[] = Array.from({ length: 40 }, (_, i) => ({
      day: dayAfter(START, i),
      amount: money(i >= 33 ? '80' : '0'),
    }));
    const n = detectAnomalies(newCost, { minImpact: money(50), from: judgeFrom });
    // The days after the first are the same new cost (one event), not spikes against a zero baseline.
    expect(n).toMatchObject([{ kind: 'new-cost', firstDay: dayAfter(START, 33), lastDay: dayAfter(START, 39) }]);
    expect(n[0]!.impact.toFixed()).toBe('560');

    const stopped: SeriesPoint[] = Array.from({ length: 40 }, (_, i) => ({
      day: dayAfter(START, i),
      amount: money(i >= 33 ? '0' : '120'),
    }));
    const s = detectAnomalies(stopped, { minImpact: money(50), from: judgeFrom });
    expect(s).toMatchObject([{ kind: 'cost-stopped', firstDay: dayAfter(START, 33), lastDay: dayAfter(START, 33) }]);
    expect(s[0]!.impact.toFixed()).toBe('-120');

    // +2.5 % a day compounding: never a spike against its own weekday medians, but four rising weeks.
    const growth: SeriesPoint[] = Array.from({ length: 70 }, (_, i) => ({
      day: dayAfter(START, i),
      amount: money((400 * 1.025 ** i).toFixed(2)),
    }));
    const g = detectAnomalies(growth, { minImpact: money(50), from: judgeFrom });
    expect(g.map((a) => a.kind)).toContain('steady-growth');
  });

  it('partial and unknown days are neither judged nor part of the baseline', () => {
    const series: SeriesPoint[] = Array.from({ length: 40 }, (_, i) => ({
      day: dayAfter(START, i),
      amount: money(i === 39 ? '900' : '100'),
      partial: i === 39,
    }));
    expect(detectAnomalies(series, { minImpact: money(50), from: judgeFrom })).toEqual([]);
    // Too little known history (10 days) judges nothing.
    const short = series.slice(25, 38);
    short[12] = { ...short[12]!, amount: money(900) };
    expect(detectAnomalies(short, { minImpact: money(50), from: short[0]!.day })).toEqual([]);
  });
});
