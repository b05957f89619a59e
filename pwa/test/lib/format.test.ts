import { describe, expect, it } from 'vitest';
import { formatDateTime } from '../../src/lib/format';

// The unit tests run in English; times are built in the machine's own time zone, as the app shows them.
describe('formatDateTime', () => {
  const now = new Date(2026, 11, 7, 12, 0);

  it('when the moment is in this year, then the year is left out, so a device row fits a 360 px line', () => {
    expect(formatDateTime(new Date(2026, 11, 7, 9, 5).toISOString(), now)).toMatch(/^Dec 7, 9:05\sAM$/u);
  });

  it('when it is in another year, then the year is said', () => {
    expect(formatDateTime(new Date(2025, 0, 31, 21, 40).toISOString(), now)).toMatch(/^Jan 31, 2025, 9:40\sPM$/u);
  });
});
