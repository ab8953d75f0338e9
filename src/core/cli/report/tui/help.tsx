import { Box } from 'ink';
import { Styled } from './styled.js';
import { truncate } from './text.js';

export const KEYS: ReadonlyArray<[string, string]> = [
  ['1-6, tab, ←/→', 'switch view (LLM, Cloud, Savings, Policies, Anomalies, Backups)'],
  ['↑/↓, j/k', 'move; PgUp/PgDn a page'],
  ['enter', 'drill down: team > agent > model > calls; provider > service > account > resource'],
  ['esc', 'back up a level (or clear the filter)'],
  ['/', 'filter the rows (enter keeps it, esc clears it)'],
  ['p', 'change the period (the one asked for, 7, 30, 90 days)'],
  ['e', 'export this screen to CSV and Markdown files'],
  ['a / d', 'accept / dismiss the selected recommendation (Savings)'],
  ['n / b', 'next / previous page of calls'],
  ['r', 'refresh now (it also refreshes on its own)'],
  ['?', 'this help (any key closes it)'],
  ['q, Ctrl-C', 'quit'],
];

export function Help(props: { width: number; height: number; color: boolean; refreshSeconds: number }) {
  const lines = [
    ...KEYS.map(([k, what]) => `${k.padEnd(14)} ${what}`),
    '',
    props.refreshSeconds
      ? `Refreshes every ${props.refreshSeconds} s while the daemon records.`
      : 'Live refresh is off.',
  ];
  return (
    <Box flexDirection="column" height={props.height} flexShrink={0}>
      <Styled color={props.color} bold>
        Keys
      </Styled>
      {lines.slice(0, Math.max(0, props.height - 1)).map((l, i) => (
        <Styled key={i} color={props.color}>
          {truncate(l, props.width) || ' '}
        </Styled>
      ))}
    </Box>
  );
}
