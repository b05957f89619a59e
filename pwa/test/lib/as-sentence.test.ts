import { describe, expect, it } from 'vitest';
import { asSentence } from '../../src/lib/as-sentence';

describe('asSentence', () => {
  it('when the server gives a rule in lower case without a full stop, then it gets both', () => {
    expect(asSentence('a password cannot be or contain the username; choose another')).toBe(
      'A password cannot be or contain the username; choose another.',
    );
  });

  it('when it already ends a sentence, then no second stop is added; spaces around it go', () => {
    expect(asSentence('  Too short!  ')).toBe('Too short!');
  });
});
