import { describe, expect, it } from 'vitest';
import type { ConnectionStatus } from '../../src/chat/chat-state';
import { Connection } from '../../src/chat/connection';
import { testChat } from '../support/chat-context';

describe('Connection', () => {
  it('when the status changes, then the state shows it, and coming online says from where', () => {
    const { state } = testChat({ connection: 'offline' });
    const cameOnline: ConnectionStatus[] = [];
    const connection = new Connection(state, (previous) => cameOnline.push(previous));

    connection.set('connecting');
    connection.set('online');
    connection.set('offline');
    connection.set('online');

    expect(state.get().connection).toBe('online');
    expect(cameOnline).toEqual(['connecting', 'offline']);
  });

  it('when the same status is reported again, then nothing happens: online is only news once', () => {
    const { state } = testChat({ connection: 'online' });
    let updates = 0;
    state.subscribe(() => updates++);
    let cameOnline = 0;
    const connection = new Connection(state, () => cameOnline++);

    connection.set('online');

    expect(updates).toBe(0);
    expect(cameOnline).toBe(0);
  });

  it('when the session stopped, then late reports change nothing', () => {
    const { state } = testChat({ connection: 'offline' });
    let cameOnline = 0;
    const connection = new Connection(state, () => cameOnline++);

    connection.stop();
    connection.set('online');

    expect(state.get().connection).toBe('offline');
    expect(cameOnline).toBe(0);
  });
});
