import { describe, expect, it } from 'vitest';
import { userExists } from '../../src/chat/user-lookup';
import { testChat } from '../support/chat-context';
import { refusals } from '../support/scripted-api';

describe('userExists', () => {
  it('when the server has the user, then yes; when it says user_not_found, then no', async () => {
    const { context, api, failures } = testChat();
    api.onHistory = (query) => (query.with === 'bia' ? { messages: [], before: null } : refusals.userNotFound());

    expect(await userExists(context, 'bia')).toBe('yes');
    expect(await userExists(context, 'ghost')).toBe('no');
    expect(api.historyQueries).toEqual([
      { with: 'bia', limit: 1 },
      { with: 'ghost', limit: 1 },
    ]);
    expect(failures).toEqual([]);
  });

  it('when the server cannot be asked, then unknown, and the failure goes to the session', async () => {
    const { context, api, failures } = testChat();
    const offline = refusals.network();
    api.onHistory = () => offline;

    expect(await userExists(context, 'bia')).toBe('unknown');
    expect(failures).toEqual([offline]);
  });
});
