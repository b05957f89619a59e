import { describe, expect, it } from 'vitest';
import { assert, defined } from '../../src/lib/assert';

describe('assert and defined', () => {
  it('when the rule holds, then nothing happens and the value comes back', () => {
    expect(() => assert(true, 'always')).not.toThrow();
    expect(defined(0, 'a count')).toBe(0);
    expect(defined('', 'a text')).toBe('');
  });

  it('when the rule is broken, then it throws, naming it', () => {
    expect(() => assert(false, 'a thread has messages')).toThrow('papo: broken invariant: a thread has messages');
    expect(() => defined(undefined, 'the cursor')).toThrow('papo: broken invariant: the cursor is missing');
    expect(() => defined(null, 'the cursor')).toThrow('the cursor is missing');
  });
});
