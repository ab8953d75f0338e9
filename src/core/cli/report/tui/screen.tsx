import { Box } from 'ink';
import { Styled } from './styled.js';
import { Table, type TableRow } from './table.js';
import type { Column } from './text.js';
import { truncate } from './text.js';

/** A line of text above or below a screen's table. */
export interface Line {
  text: string;
  fg?: string;
  dim?: boolean;
}

/** One selectable row of a screen: its cells, and what enter, `a` and `d` act on. */
export interface Item extends TableRow {
  /** The drill-down key (spend views), null for a row without one. */
  key: string | null;
  /** The object's id (a recommendation's, for accept/dismiss). */
  id?: string;
  /** What `/` matches, lower case. */
  search: string;
}

/** What each view file builds from its part of the report model: the TUI renders every view the same way. */
export interface Screen {
  title: string;
  above: Line[];
  columns: Column[];
  items: Item[];
  below: Line[];
  empty?: string;
}

export function ScreenView(props: {
  screen: Screen;
  items: readonly Item[];
  selected: number;
  width: number;
  height: number;
  color: boolean;
}) {
  const { screen, width, color } = props;
  // the table keeps at least 4 lines; what is below it gives way first, then what is above
  const room = Math.max(0, props.height - 1 - 4);
  const above = screen.above.slice(0, room);
  const below = screen.below.slice(0, Math.max(0, room - above.length));
  const tableHeight = Math.max(2, props.height - 1 - above.length - below.length);
  const line = (l: Line, i: number) => (
    <Styled key={i} color={color} fg={l.fg} dim={l.dim}>
      {truncate(l.text, width) || ' '}
    </Styled>
  );
  return (
    <Box flexDirection="column" height={props.height} flexShrink={0}>
      <Styled color={color} bold>
        {truncate(screen.title, width)}
      </Styled>
      {above.map(line)}
      <Table
        columns={screen.columns}
        rows={props.items}
        selected={props.selected}
        width={width}
        height={tableHeight}
        color={color}
        empty={screen.empty}
      />
      {below.map(line)}
    </Box>
  );
}
