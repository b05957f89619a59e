/**
 * The name an upload is shown and downloaded under (issue #18). It is only ever a label: the bytes are kept
 * under their digest, so a name never reaches a path. Still, it is cleaned rather than refused, so a phone's
 * odd file name does not cost the user their upload:
 * - only its last path segment is kept (`../../etc/passwd` becomes `passwd`, `C:\x\y.png` becomes `y.png`);
 * - control characters (NUL included), and the characters that Unicode uses to reorder text (which can make
 *   `gpj.exe` read as `exe.jpg`), are removed;
 * - it is cut to MAX_NAME_LENGTH characters, keeping its extension;
 * - what is left empty (or only dots) becomes `file`.
 */
export const MAX_NAME_LENGTH = 120;

const CONTROL_OR_BIDI = /[\p{Cc}\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

export function cleanFileName(raw: string | undefined): string {
  const lastSegment = (raw ?? '').split(/[/\\]/).pop() ?? '';
  const name = lastSegment.replace(CONTROL_OR_BIDI, '').normalize('NFC').trim();
  if (/^\.*$/.test(name)) return 'file';
  const chars = [...name];
  if (chars.length <= MAX_NAME_LENGTH) return name;
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 ? [...name.slice(dot)] : [];
  if (ext.length > 0 && ext.length <= 16) return chars.slice(0, MAX_NAME_LENGTH - ext.length).join('') + ext.join('');
  return chars.slice(0, MAX_NAME_LENGTH).join('');
}
