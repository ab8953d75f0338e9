import { Box } from 'ink';
import { Styled } from './styled.js';
import { truncate } from './text.js';

const HINTS = '↑↓ move  ⏎ drill  esc back  / filter  p period  e export  ? help  q quit';

/** The two bottom lines: what just happened (or went wrong) with the row count, then the keys. */
export function StatusLine(props: { message: string; error: boolean; rows: string; width: number; color: boolean }) {
  const right = props.rows;
  const left = truncate(props.message, Math.max(0, props.width - right.length - 1));
  const gap = ' '.repeat(Math.max(1, props.width - [...left].length - right.length));
  return (
    <Box flexDirection="column">
      <Styled color={props.color} fg={props.error ? 'red' : 'green'}>
        {truncate(`${left}${gap}${right}`, props.width)}
      </Styled>
      <Styled color={props.color} dim>
        {truncate(HINTS, props.width)}
      </Styled>
    </Box>
  );
}
