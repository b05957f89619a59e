import { describe, expect, it } from 'vitest';
import { newClientId } from '../../src/lib/client-id';

describe('newClientId', () => {
  it('when the page is not a secure context (plain http on a LAN), then the id is still a random version 4 UUID', () => {
    expect(globalThis.isSecureContext).toBeUndefined();
    const ids = Array.from({ length: 50 }, () => newClientId());
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
