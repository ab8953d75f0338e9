/**
 * Non-ASCII characters as roff escapes. groff reads its input as Latin-1 unless
 * preconv runs first (man-db runs it, `groff -man` does not), so a raw UTF-8 em
 * dash becomes three garbage glyphs and `-ww` warns; mandoc and every groff
 * understand the named escapes below. A character without a name is written as
 * groff's Unicode escape \[uXXXX], so a page is always pure ASCII.
 */

/** Named roff glyphs (groff_char(7)) for the characters oco's help texts use. */
export const ROFF_GLYPHS: Readonly<Record<string, string>> = {
  '\u2014': '\\(em', // — em dash
  '\u2013': '\\(en', // – en dash
  '\u2212': '\\(mi', // − minus sign
  '\u2010': '\\(hy', // ‐ hyphen
  '\u2192': '\\(->', // →
  '\u2190': '\\(<-', // ←
  '\u2194': '\\(<>', // ↔
  '\u21D2': '\\(rA', // ⇒
  '\u21D0': '\\(lA', // ⇐
  '\u2191': '\\(ua', // ↑
  '\u2193': '\\(da', // ↓
  '\u2265': '\\(>=', // ≥
  '\u2264': '\\(<=', // ≤
  '\u2260': '\\(!=', // ≠
  '\u2248': '\\(~~', // ≈
  '\u00B1': '\\(+-', // ±
  '\u00D7': '\\(mu', // ×
  '\u00F7': '\\(di', // ÷
  '\u221E': '\\(if', // ∞
  '\u00B5': '\\(mc', // µ micro sign
  '\u00B0': '\\(de', // °
  '\u2026': '\\&...', // … (\& so that it can never start a control line)
  '\u201C': '\\(lq', // “
  '\u201D': '\\(rq', // ”
  '\u2018': '\\(oq', // ‘
  '\u2019': '\\(cq', // ’
  '\u00AB': '\\(Fo', // «
  '\u00BB': '\\(Fc', // »
  '\u2022': '\\(bu', // •
  '\u00A7': '\\(sc', // §
  '\u00A9': '\\(co', // ©
  '\u00AE': '\\(rg', // ®
  '\u2122': '\\(tm', // ™
  '\u20AC': '\\(Eu', // €
  '\u00A3': '\\(Po', // £
  '\u00A0': '\\ ', // no-break space: an unpaddable space
};

/** C0 and C1 control characters other than newline and tab: no glyph, and troff would act on some of them. */
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/u;

/**
 * `text` with every non-ASCII character replaced by its roff escape. Throws on a
 * control character, which can only be a mistake in a help text; the message shows where.
 */
export function roffAscii(text: string): string {
  let out = '';
  for (const ch of text.normalize('NFC')) {
    if (CONTROL.test(ch)) {
      const at = text.indexOf(ch);
      throw new Error(
        `man page text has control character U+${codePoint(ch)} in ` +
          `"${text.slice(Math.max(0, at - 30), at + 30).replace(CONTROL, '?')}"`,
      );
    }
    if (ch.charCodeAt(0) < 0x80) out += ch;
    else out += ROFF_GLYPHS[ch] ?? `\\[u${codePoint(ch)}]`;
  }
  return out;
}

function codePoint(ch: string): string {
  return ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
}
