/**
 * The server's words as a sentence: a capital first letter and a full stop. Its refusals name the rule that
 * was broken (issue #15), and the rules live on the server only.
 */
export function asSentence(message: string): string {
  const text = message.trim();
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}${/[.!?]$/.test(text) ? '' : '.'}`;
}
