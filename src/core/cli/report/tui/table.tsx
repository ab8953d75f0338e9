import { Box } from 'ink';
import { Styled } from './styled.js';
import { fitColumns, pageStart, tableLine, type Column } from './text.js';

export interface TableRow {
  cells: string[];
  /** A colour for the whole row (e.g. red for a breach), when colour is on. */
  fg?: string;
}

/**
 * A table that fits `width` × `height` lines (header included): narrow terminals drop optional columns and cut
 * cells with "…"; long lists show the page that holds the selected row, marked with "›".
 */
export function Table(props: {
  columns: readonly Column[];
  rows: readonly TableRow[];
  selected: number;
  width: number;
  height: number;
  color: boolean;
  empty?: string;
}) {
  const cols = fitColumns(props.columns, props.width - 2);
  const size = Math.max(1, props.height - 1);
  const start = pageStart(props.selected, size);
  const shown = props.rows.slice(start, start + size);
  return (
    <Box flexDirection="column">
      <Styled color={props.color} bold>
        {`  ${tableLine(
          props.columns.map((c) => c.header),
          cols,
        )}`}
      </Styled>
      {shown.length === 0 ? (
        <Styled color={props.color} dim>{`  ${props.empty ?? 'Nothing here.'}`}</Styled>
      ) : (
        shown.map((r, i) => {
          const selected = start + i === props.selected;
          return (
            <Styled key={start + i} color={props.color} fg={selected ? 'cyan' : r.fg} inverse={selected}>
              {`${selected ? '›' : ' '} ${tableLine(r.cells, cols)}`}
            </Styled>
          );
        })
      )}
    </Box>
  );
}
