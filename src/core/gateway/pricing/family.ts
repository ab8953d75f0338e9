/**
 * Dated snapshots and preview names resolve to the family the price table names:
 * gpt-4o-2024-08-06 → gpt-4o, claude-3-5-sonnet-20241022 → claude-3-5-sonnet,
 * gemini-2.5-flash-preview-05-20 → gemini-2.5-flash, models/gemini-2.5-pro → gemini-2.5-pro.
 * Suffixes are stripped one at a time from the end, so gpt-4o-mini-2024-07-18 stops at
 * gpt-4o-mini and never falls through to gpt-4o.
 */
const SUFFIXES: readonly RegExp[] = [
  /-\d{4}-\d{2}-\d{2}$/, // OpenAI dated snapshot
  /-\d{8}$/, // Anthropic dated snapshot
  /-v\d+(:\d+)?$/, // Bedrock-style version
  /@\d+$/, // Vertex-style version
  /-latest$/,
  /-preview(-\d{2}-\d{2}(-\d{4})?)?$/,
  /-exp(-\d{2}-\d{2}|-\d{4})?$/,
  /-\d{2}-\d{2}$/, // Gemini preview date
  /-\d{3,4}$/, // gemini-1.5-pro-002, gpt-4-0613
];

export function candidateNames(model: string): string[] {
  let name = model.trim();
  if (name.startsWith('models/')) name = name.slice('models/'.length);
  const out = [name];
  for (let guard = 0; guard < 6; guard++) {
    const next = SUFFIXES.reduce((n, re) => (n === name ? n.replace(re, '') : n), name);
    if (next === name || next === '') break;
    name = next;
    out.push(name);
  }
  return out;
}
