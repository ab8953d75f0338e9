import { Text } from 'ink';
import type { ReactNode } from 'react';

/** Colour and emphasis only when colour is on (NO_COLOR unset); otherwise plain text, not one escape. */
export function Styled(props: {
  color: boolean;
  fg?: string;
  bold?: boolean;
  dim?: boolean;
  inverse?: boolean;
  children: ReactNode;
}) {
  if (!props.color) return <Text wrap="truncate-end">{props.children}</Text>;
  return (
    <Text wrap="truncate-end" color={props.fg} bold={props.bold} dimColor={props.dim} inverse={props.inverse}>
      {props.children}
    </Text>
  );
}
