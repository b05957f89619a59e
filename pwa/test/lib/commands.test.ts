import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../src/lib/commands';

describe('parseCommand', () => {
  it('when the text does not start with a slash, then it is a message, trimmed', () => {
    expect(parseCommand('  oi, tudo bem?  ')).toEqual({ kind: 'text', text: 'oi, tudo bem?' });
  });

  it('when /msg names a user and a text, then the name is normalised and the text kept, line breaks and all', () => {
    expect(parseCommand('/msg  Maria  linha 1\nlinha 2 ')).toEqual({ kind: 'msg', to: 'maria', text: 'linha 1\nlinha 2' });
  });

  it('when /msg has no text, then it is the usage error', () => {
    expect(parseCommand('/msg maria')).toEqual({ kind: 'invalid', reason: 'msg-usage' });
    expect(parseCommand('/msg maria    ')).toEqual({ kind: 'invalid', reason: 'msg-usage' });
    expect(parseCommand('/msg')).toEqual({ kind: 'invalid', reason: 'msg-usage' });
  });

  it('when /history or /historico is typed, in any case, then it opens the history', () => {
    for (const input of ['/history', '/historico', '/HISTORY', ' /history ']) expect(parseCommand(input)).toEqual({ kind: 'history' });
  });

  it('when /sair or /logout is typed, then it logs out', () => {
    for (const input of ['/sair', '/logout', '/Sair']) expect(parseCommand(input)).toEqual({ kind: 'logout' });
  });

  it('when the text starts with a slash but names no known command, then it is a message as typed (issue #19)', () => {
    for (const input of ['/etc/hosts é o arquivo de nomes', '/nope', '/', '/ msg maria oi', '/msgx maria'])
      expect(parseCommand(input)).toEqual({ kind: 'text', text: input });
  });

  it('when the text starts with two slashes, then one is dropped and the rest is a message, even a command name', () => {
    expect(parseCommand('//msg maria oi')).toEqual({ kind: 'text', text: '/msg maria oi' });
    expect(parseCommand('  //sair  ')).toEqual({ kind: 'text', text: '/sair' });
    expect(parseCommand('///')).toEqual({ kind: 'text', text: '//' });
  });
});
