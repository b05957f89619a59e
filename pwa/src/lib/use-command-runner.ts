import { useCallback } from 'preact/hooks';
import { parseCommand } from './commands';
import { t } from './i18n';
import { navigate } from './use-route';
import { useSession } from './use-session';
import { isValidUsername } from './usernames';

/**
 * Runs what a person typed: a plain text goes to `onText`; `/msg`, `/history` and `/sair` work wherever there is a
 * text field, as in the old system. Resolves to an error to show under the field, or null when done.
 */
export function useCommandRunner(onText: (text: string) => Promise<string | null>) {
  const { session, logout } = useSession();
  return useCallback(
    async (input: string): Promise<string | null> => {
      const command = parseCommand(input);
      switch (command.kind) {
        case 'text':
          return command.text ? onText(command.text) : null;
        case 'history':
          navigate({ name: 'history' });
          return null;
        case 'logout':
          await logout();
          return null;
        case 'invalid':
          return t('msgUsage');
        case 'msg': {
          if (!isValidUsername(command.to)) return t('noSuchUser', { name: command.to });
          if (command.to === session.me) return t('notYourself');
          // Checked before it enters the outbox, so a typo is answered now rather than as a failed bubble later.
          if ((await session.userExists(command.to)) === 'no') return t('noSuchUser', { name: command.to });
          await session.send(command.to, command.text);
          const from = session.state.get().openPeer;
          // From one chat to another: replace, so Back still leads to the list rather than through every chat.
          if (from !== command.to) navigate({ name: 'chat', peer: command.to }, { replace: from !== null });
          return null;
        }
      }
    },
    [session, logout, onText],
  );
}
