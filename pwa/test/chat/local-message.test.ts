import { describe, expect, it } from 'vitest';
import { fromServer, isNewerStatus, mergeMessage, messageKey, peerOf, sameMessage } from '../../src/chat/local-message';
import { localMessage, serverMessage } from '../support/messages';

describe('local messages', () => {
  it('when a message has a clientId, then its key is the sender and clientId, so the outbox copy and the stored one share it', () => {
    const pending = localMessage({ from: 'ana', to: 'bia', clientId: 'c1', status: 'pending' });
    const stored = { ...pending, id: 'm1', status: 'sent' as const };
    expect(messageKey(pending)).toBe('c:ana:c1');
    expect(messageKey(stored)).toBe('c:ana:c1');
  });

  it('when a message has only an id, then its key is the id', () => {
    expect(messageKey(localMessage({ from: 'ana', to: 'bia', id: 'm1' }))).toBe('i:m1');
  });

  it('when a message has neither a clientId nor an id, then asking its key fails loudly', () => {
    expect(() => messageKey(localMessage({ from: 'ana', to: 'bia' }))).toThrow('the id of a message without clientId is missing');
  });

  it('when two copies share an id, or a sender and a clientId, then they are the same message; else not', () => {
    const a = localMessage({ from: 'ana', to: 'bia', id: 'm1', clientId: 'c1' });
    expect(sameMessage(a, localMessage({ from: 'ana', to: 'bia', id: 'm1' }))).toBe(true);
    expect(sameMessage(a, localMessage({ from: 'ana', to: 'bia', clientId: 'c1' }))).toBe(true);
    expect(sameMessage(a, localMessage({ from: 'bia', to: 'ana', clientId: 'c1' }))).toBe(false);
    expect(sameMessage(a, localMessage({ from: 'ana', to: 'bia', id: 'm2' }))).toBe(false);
  });

  it('when a late copy says an older status, then the merge keeps the newer one', () => {
    const read = localMessage({ from: 'ana', to: 'bia', id: 'm1', status: 'read' });
    expect(mergeMessage(read, { ...read, status: 'sent' }).status).toBe('read');
    expect(mergeMessage({ ...read, status: 'sent' }, read).status).toBe('read');
  });

  it('when a failed copy is merged with a stored one, then the failure reason goes and the clientId stays', () => {
    const failed = localMessage({ from: 'ana', to: 'bia', clientId: 'c1', status: 'failed', failure: 'Not sent' });
    const merged = mergeMessage(failed, localMessage({ from: 'ana', to: 'bia', id: 'm1', status: 'sent' }));
    expect(merged).toEqual(localMessage({ from: 'ana', to: 'bia', id: 'm1', clientId: 'c1', status: 'sent' }));
  });

  it('when a server message has no clientId, then the local copy has none either', () => {
    const local = fromServer(serverMessage({ id: 'm1', from: 'ana', to: 'bia' }));
    expect(local).toEqual({ id: 'm1', from: 'ana', to: 'bia', content: 'text of m1', sentAt: local.sentAt, status: 'sent' });
    expect('clientId' in local).toBe(false);
  });

  it('when statuses are compared, then they only move forward: pending, sent, delivered, read', () => {
    expect(isNewerStatus('pending', 'sent')).toBe(true);
    expect(isNewerStatus('sent', 'delivered')).toBe(true);
    expect(isNewerStatus('delivered', 'read')).toBe(true);
    expect(isNewerStatus('read', 'delivered')).toBe(false);
    expect(isNewerStatus('delivered', 'delivered')).toBe(false);
  });

  it('when the peer of a message is asked, then it is the other person, whoever sent it', () => {
    expect(peerOf({ from: 'ana', to: 'bia' }, 'ana')).toBe('bia');
    expect(peerOf({ from: 'bia', to: 'ana' }, 'ana')).toBe('bia');
  });
});
