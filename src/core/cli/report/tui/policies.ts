import type { PoliciesView } from '../../../base/report/model.js';
import type { Screen } from './screen.js';

const SEVERITY_COLOUR: Record<string, string> = { critical: 'red', high: 'red', medium: 'yellow' };

/** Open violations, the most severe first. */
export function policiesScreen(v: PoliciesView): Screen {
  return {
    title: 'Policies: open violations',
    above: [{ text: `${v.open} open: ${v.bySeverity.map((s) => `${s.open} ${s.severity}`).join(', ')}` }],
    columns: [
      { header: 'severity', width: 8 },
      { header: 'policy', width: 16 },
      { header: 'subject', width: 16, drop: 1 },
      { header: 'message', width: 16, flex: true },
    ],
    items: v.top.map((t) => ({
      cells: [t.severity, t.policy, t.subject, t.message],
      fg: SEVERITY_COLOUR[t.severity],
      key: t.id,
      search: `${t.severity} ${t.policy} ${t.subject} ${t.message}`.toLowerCase(),
    })),
    below: [],
    empty: 'No open violations.',
  };
}
