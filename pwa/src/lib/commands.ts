import { defined } from './assert';
import { normalizeUsername } from './usernames';

/** The old system's commands (issue #3), still typed in the composer. */
export type Command =
  | { kind: 'text'; text: string }
  | { kind: 'msg'; to: string; text: string }
  | { kind: 'history' }
  | { kind: 'logout' }
  | { kind: 'invalid'; reason: 'msg-usage' | 'unknown' };

export function parseCommand(input: string): Command {
  const trimmed = input.trim();
  if (!trimmed.startsWith('/')) return { kind: 'text', text: input.trim() };
  const match = /^\/(\S+)\s*([\s\S]*)$/.exec(trimmed);
  // A slash alone, or one followed by a space, names no command.
  if (!match) return { kind: 'invalid', reason: 'unknown' };
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
      return { kind: 'invalid', reason: 'unknown' };
  }
}
