import { describe, expect, it } from 'vitest';
import { must } from '../api/assert.js';

describe('must', () => {
  it('when the value is there, then it is returned as it is, falsy ones included', () => {
    expect(must(0, 'a count')).toBe(0);
    expect(must('', 'a text')).toBe('');
    expect(must(false, 'a flag')).toBe(false);
  });

  it('when the value is missing, then it throws and names what was missing, rather than carry on with a default', () => {
    expect(() => must(undefined, 'the token of each message')).toThrow('papo: broken invariant: the token of each message is missing');
    expect(() => must(null, 'a row')).toThrow('a row is missing');
  });
});
