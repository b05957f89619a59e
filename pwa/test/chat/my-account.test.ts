import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/api/api-error';
import { MyAccount } from '../../src/chat/my-account';
import { testChat } from '../support/chat-context';
import { refusals } from '../support/scripted-api';

describe('MyAccount.changePassword', () => {
  it('when the password changes, then the polls wait from before the request until its answer, and the devices list is read again', async () => {
    const { context, api } = testChat();
    const log: string[] = [];
    const account = new MyAccount(context, async () => {
      log.push('hold');
      return () => log.push('resume');
    });
    api.onChangePassword = (current, next) => {
      log.push(`change ${current} → ${next}`);
    };

    await account.changePassword('old one here', 'new one here');

    expect(log).toEqual(['hold', 'change old one here → new one here', 'resume']);
    expect(account.revision.get().n).toBe(1);
  });

  it('when the current password is wrong, then the form gets the error, the polls go on, and the session is not ended', async () => {
    const { context, api, failures } = testChat();
    const log: string[] = [];
    const account = new MyAccount(context, async () => () => log.push('resume'));
    const wrong = new ApiError(401, 'wrong_password', 'the current password is wrong');
    api.onChangePassword = () => wrong;

    await expect(account.changePassword('nope', 'new one here')).rejects.toBe(wrong);

    expect(log).toEqual(['resume']);
    expect(failures).toEqual([]);
    expect(account.revision.get().n).toBe(0);
  });

  it('when the session is gone, then the session hears of it', async () => {
    const { context, api, failures } = testChat();
    const account = new MyAccount(context, async () => () => undefined);
    const lost = refusals.unauthorized();
    api.onChangePassword = () => lost;

    await expect(account.changePassword('old one here', 'new one here')).rejects.toBe(lost);
    expect(failures).toEqual([lost]);
  });
});
