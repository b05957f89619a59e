import { describe, expect, it } from 'vitest';
import { EarlyReceipts } from '../../src/chat/early-receipts';
import { localMessage } from '../support/messages';

describe('EarlyReceipts', () => {
  it('when a receipt was held for a message, then the message shows up with it, once', () => {
    const early = new EarlyReceipts();
    const message = localMessage({ from: 'ana', to: 'bia', id: 'm1', status: 'sent' });

    early.hold('m1', 'read');

    expect(early.applyTo(message).status).toBe('read');
    expect(early.applyTo(message).status).toBe('sent');
  });

  it('when the message already shows a newer status than the receipt, then it keeps its own', () => {
    const early = new EarlyReceipts();
    early.hold('m1', 'delivered');

    expect(early.applyTo(localMessage({ from: 'ana', to: 'bia', id: 'm1', status: 'read' })).status).toBe('read');
  });

  it('when a message has no receipt held, or no id yet, then it comes back as it was', () => {
    const early = new EarlyReceipts();
    early.hold('m1', 'read');
    const other = localMessage({ from: 'ana', to: 'bia', id: 'm2' });
    const pending = localMessage({ from: 'ana', to: 'bia', clientId: 'c1', status: 'pending' });

    expect(early.applyTo(other)).toBe(other);
    expect(early.applyTo(pending)).toBe(pending);
  });
});
