/**
 * Message content as stored in PostgreSQL: `\` as `\\` and U+0000 (which a text column cannot hold) as `\0`
 * (migrations/003_content_escape.sql). Deterministic, so equal contents stay equal (idempotent retries compare
 * stored forms).
 */
export function encodeContent(content: string): string {
  return /[\\\0]/.test(content) ? content.replace(/[\\\0]/g, (ch) => (ch === '\\' ? '\\\\' : '\\0')) : content;
}

export function decodeContent(stored: string): string {
  return stored.includes('\\') ? stored.replace(/\\([\\0])/g, (_, ch: string) => (ch === '0' ? '\0' : '\\')) : stored;
}
