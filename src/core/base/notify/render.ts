import { tableText, type Notice } from './notice.js';

/**
 * Each destination's wire format. Slack: an incoming-webhook body with `text` (the notification and fallback) and
 * Block Kit `blocks` within Slack's limits (header text 150 characters, section text 3000, 10 fields of 2000, 50
 * blocks). Teams: a Workflows ("Post to a channel when a webhook request is received") body, a `message` whose one
 * attachment is an Adaptive Card 1.4 (the version Teams renders everywhere). Email: plain text.
 */
export const SLACK_LIMITS = { headerText: 150, sectionText: 3000, fieldText: 2000, fields: 10, blocks: 50 } as const;

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Slack mrkdwn's three control characters, so a team or model name cannot inject a link or mention. */
function esc(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

export function slackBody(n: Notice): Record<string, unknown> {
  const blocks: Array<Record<string, unknown>> = [
    { type: 'header', text: { type: 'plain_text', text: cut(n.title, SLACK_LIMITS.headerText), emoji: false } },
    { type: 'section', text: { type: 'mrkdwn', text: cut(esc(n.summary), SLACK_LIMITS.sectionText) } },
  ];
  for (let i = 0; i < n.facts.length; i += SLACK_LIMITS.fields) {
    blocks.push({
      type: 'section',
      fields: n.facts.slice(i, i + SLACK_LIMITS.fields).map((f) => ({
        type: 'mrkdwn',
        text: cut(`*${esc(f.label)}*\n${esc(f.value)}`, SLACK_LIMITS.fieldText),
      })),
    });
  }
  for (const t of n.tables) {
    // A code block keeps the columns aligned; the fences count toward the section's 3000 characters.
    const body = cut(esc(tableText(t)), SLACK_LIMITS.sectionText - `*${t.title}*\n\`\`\`\n\n\`\`\``.length - 1);
    blocks.push({ type: 'divider' });
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `*${esc(t.title)}*\n\`\`\`\n${body}\n\`\`\`` } });
  }
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `oco · ${esc(n.event)}` }] });
  if (blocks.length > SLACK_LIMITS.blocks) {
    const context = blocks.pop()!;
    blocks.length = SLACK_LIMITS.blocks - 1;
    blocks.push(context);
  }
  return { text: cut(`${n.title}: ${n.summary}`, SLACK_LIMITS.sectionText), blocks };
}

export const ADAPTIVE_CARD_TYPE = 'application/vnd.microsoft.card.adaptive';

export function teamsBody(n: Notice): Record<string, unknown> {
  const body: Array<Record<string, unknown>> = [
    { type: 'TextBlock', text: n.title, weight: 'Bolder', size: 'Medium', wrap: true },
    { type: 'TextBlock', text: n.summary, wrap: true },
  ];
  if (n.facts.length) body.push({ type: 'FactSet', facts: n.facts.map((f) => ({ title: f.label, value: f.value })) });
  for (const t of n.tables) {
    body.push({ type: 'TextBlock', text: t.title, weight: 'Bolder', wrap: true, separator: true });
    if (t.rows.length === 0) {
      body.push({ type: 'TextBlock', text: t.empty ?? 'none', isSubtle: true, wrap: true });
      continue;
    }
    // A ColumnSet per row (Table needs card 1.5, which older Teams clients do not render).
    const row = (cells: readonly string[], bold: boolean) => ({
      type: 'ColumnSet',
      columns: cells.map((c, i) => ({
        type: 'Column',
        width: i === 0 ? 'stretch' : 'auto',
        items: [
          {
            type: 'TextBlock',
            text: c,
            wrap: true,
            horizontalAlignment: i === 0 ? 'Left' : 'Right',
            ...(bold ? { weight: 'Bolder' } : {}),
          },
        ],
      })),
    });
    body.push(row(t.columns, true));
    for (const r of t.rows) body.push(row(r, false));
  }
  return {
    type: 'message',
    attachments: [
      {
        contentType: ADAPTIVE_CARD_TYPE,
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body,
        },
      },
    ],
  };
}

export function emailText(n: Notice): string {
  const out = [n.summary, ''];
  const width = Math.max(0, ...n.facts.map((f) => f.label.length));
  for (const f of n.facts) out.push(`${`${f.label}:`.padEnd(width + 1)} ${f.value}`);
  for (const t of n.tables) out.push('', t.title, tableText(t));
  out.push('', `-- oco (${n.event})`);
  return `${out.join('\n')}\n`;
}
