import { describe, expect, it } from 'vitest';
import { BlockedPeople, isBlocked } from '../../src/chat/blocked-people';
import { testChat } from '../support/chat-context';
import { refusals } from '../support/scripted-api';

const at = '2026-12-07T09:00:00.000Z';

describe('BlockedPeople', () => {
  it('when the list was never read, then nobody is known blocked or not; after load, the server says', async () => {
    const { context, api } = testChat();
    const blocks = new BlockedPeople(context, async () => undefined);
    expect(isBlocked(blocks.state.get(), 'rui')).toBeNull();

    api.onBlocks = () => ({ blocked: [{ username: 'rui', at }] });
    await blocks.load();

    expect(isBlocked(blocks.state.get(), 'rui')).toBe(true);
    expect(isBlocked(blocks.state.get(), 'bia')).toBe(false);
  });

  it('when a block succeeds, then it shows at once, the conversation list is read again, and so is the block list', async () => {
    const { context, api } = testChat();
    let rowsRefreshed = 0;
    const blocks = new BlockedPeople(context, async () => {
      rowsRefreshed++;
    });
    api.onBlocks = () => ({ blocked: [] });
    await blocks.load();
    api.onBlock = () => undefined;
    api.onBlocks = () => ({ blocked: [{ username: 'rui', at }] });

    await blocks.block('rui');

    expect(blocks.state.get().blocked).toEqual([{ username: 'rui', at }]);
    expect(rowsRefreshed).toBe(1);
    expect(api.requests).toEqual(['blocks', 'block rui', 'blocks']);
  });

  it('when an unblock succeeds but the list cannot be read again, then the person is shown unblocked all the same', async () => {
    const { context, api } = testChat();
    const blocks = new BlockedPeople(context, async () => undefined);
    api.onBlocks = () => ({ blocked: [{ username: 'rui', at }] });
    await blocks.load();
    api.onUnblock = () => undefined;
    api.onBlocks = () => refusals.unavailable();

    await blocks.unblock('rui');

    expect(isBlocked(blocks.state.get(), 'rui')).toBe(false);
  });

  it('when the server refuses a block, then the caller gets the error and nothing changes; a lost session goes to the session', async () => {
    const { context, api, failures } = testChat();
    const blocks = new BlockedPeople(context, async () => undefined);
    api.onBlocks = () => ({ blocked: [] });
    await blocks.load();
    const notFound = refusals.userNotFound();
    api.onBlock = () => notFound;

    await expect(blocks.block('ghost')).rejects.toBe(notFound);
    expect(isBlocked(blocks.state.get(), 'ghost')).toBe(false);
    expect(failures).toEqual([]);

    const lost = refusals.unauthorized();
    api.onBlock = () => lost;
    await expect(blocks.block('rui')).rejects.toBe(lost);
    expect(failures).toEqual([lost]);
  });

  it('when the same person is blocked twice, then they are listed once', async () => {
    const { context, api } = testChat();
    const blocks = new BlockedPeople(context, async () => undefined);
    api.onBlocks = () => refusals.unavailable();
    api.onBlock = () => undefined;

    await blocks.block('rui');
    await blocks.block('rui');

    expect(blocks.state.get().blocked?.map((b) => b.username)).toEqual(['rui']);
  });
});
