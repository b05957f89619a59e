import { describe, expect, it } from 'vitest';
import { linkify } from '../../src/lib/linkify';

describe('linkify (issue #19, item 7)', () => {
  it('when a message holds a web address, then it is a link and the text around it stays as typed', () => {
    expect(linkify('veja https://papo.example.com/a?b=1 agora')).toEqual([
      { kind: 'text', text: 'veja ' },
      { kind: 'link', text: 'https://papo.example.com/a?b=1', href: 'https://papo.example.com/a?b=1' },
      { kind: 'text', text: ' agora' },
    ]);
  });

  it('when an address ends a sentence, then the punctuation is not part of it, but a parenthesis it opened is', () => {
    expect(linkify('see http://x.org.')).toEqual([
      { kind: 'text', text: 'see ' },
      { kind: 'link', text: 'http://x.org', href: 'http://x.org/' },
      { kind: 'text', text: '.' },
    ]);
    expect(linkify('(https://en.wikipedia.org/wiki/Papo_(conversa))')[1]).toEqual({
      kind: 'link',
      text: 'https://en.wikipedia.org/wiki/Papo_(conversa)',
      href: 'https://en.wikipedia.org/wiki/Papo_(conversa)',
    });
  });

  it('when an address is not http or https, then it stays text', () => {
    for (const text of ['javascript:alert(1)', 'data:text/html,<b>x</b>', 'file:///etc/passwd', 'ftp://x.org'])
      expect(linkify(text)).toEqual([{ kind: 'text', text }]);
  });

  it('when a message has markup, then no part is markup: it stays text beside the link', () => {
    expect(linkify('<img src=x onerror=alert(1)> https://a.b/"><script>')).toEqual([
      { kind: 'text', text: '<img src=x onerror=alert(1)> ' },
      { kind: 'link', text: 'https://a.b/', href: 'https://a.b/' },
      { kind: 'text', text: '"><script>' },
    ]);
  });
});
