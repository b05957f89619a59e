import { defined } from './assert';
import { normalizeUsername } from './usernames';

/** The old system's commands (issue #3), still typed in the composer. */
export type Command =
  | { kind: 'text'; text: string }
  | { kind: 'msg'; to: string; text: string }
  | { kind: 'history' }
  | { kind: 'logout' }
  | { kind: 'invalid'; reason: 'msg-usage' };

/**
 * Only the known commands are commands (issue #19, item 2): "/etc/hosts é o arquivo…" is a message like any
 * other, and `//` sends a text that starts with a slash, as IRC clients do ("//msg" sends "/msg").
 */
export function parseCommand(input: string): Command {
  const trimmed = input.trim();
  if (!trimmed.startsWith('/')) return { kind: 'text', text: trimmed };
  if (trimmed.startsWith('//')) return { kind: 'text', text: trimmed.slice(1) };
  const match = /^\/(\S+)\s*([\s\S]*)$/.exec(trimmed);
  // A slash alone, or one followed by a space, names no command: it is text.
  if (!match) return { kind: 'text', text: trimmed };
  const name = defined(match[1], 'the command name').toLowerCase();
  const rest = defined(match[2], 'the command arguments');
  switch (name) {
    case 'msg': {
      const parts = /^(\S+)\s+([\s\S]+)$/.exec(rest);
      if (!parts?.[1] || !parts[2]?.trim()) return { kind: 'invalid', reason: 'msg-usage' };
      return { kind: 'msg', to: normalizeUsername(parts[1]), text: parts[2].trim() };
    }
    case 'history':
    case 'historico':
      return { kind: 'history' };
    case 'sair':
    case 'logout':
      return { kind: 'logout' };
    default:
      return { kind: 'text', text: trimmed };
  }
}
