/**
 * Display names (issue #19, item 12): what a person calls themself, shown beside the username, which stays the
 * unique handle. Unicode NFKC (so a fullwidth or styled name is stored as its plain form), spaces trimmed and
 * runs of them made one, 1 to 40 characters. Refused: control characters, line breaks, and the invisible
 * direction marks that let a name show as text it does not hold ("‮" turns "nimda" into "admin"). Emoji
 * sequences (with their zero-width joiner) are welcome.
 */
export const DISPLAY_NAME_MAX = 40;
export const DISPLAY_NAME_RULE = `a display name is 1 to ${DISPLAY_NAME_MAX} characters, with no control characters, line breaks or direction marks`;

const FORBIDDEN = /[\p{Cc}\p{Zl}\p{Zp}\p{Cs}\u200E\u200F\u061C\u202A-\u202E\u2066-\u2069]/u;

export type DisplayNameResult = { ok: true; displayName: string | null } | { ok: false; reason: string };

/** The display name to keep for what a person typed; an empty one (or null) means none: the username is shown. */
export function checkDisplayName(input: string | null): DisplayNameResult {
  if (input === null) return { ok: true, displayName: null };
  const normal = input.normalize('NFKC');
  // Checked before spaces are collapsed, which would turn a line break into a space.
  if (FORBIDDEN.test(normal)) return { ok: false, reason: DISPLAY_NAME_RULE };
  const name = normal.trim().replace(/\s+/gu, ' ');
  if (name === '') return { ok: true, displayName: null };
  if ([...name].length > DISPLAY_NAME_MAX) return { ok: false, reason: DISPLAY_NAME_RULE };
  return { ok: true, displayName: name };
}
