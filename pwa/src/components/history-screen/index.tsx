import { useCallback } from 'preact/hooks';
import { t } from '../../lib/i18n';
import { useAllHistory } from '../../lib/use-all-history';
import { goBack } from '../../lib/use-route';
import { useSession } from '../../lib/use-session';
import { AppHeader } from '../app-header';
import { ConnectionBanner } from '../connection-banner';
import { MessageList } from '../message-list';
import styles from './history-screen.module.css';

/** `/history`: everything the user sent and received, across conversations, newest at the bottom. */
export function HistoryScreen() {
  const { session } = useSession();
  const history = useAllHistory(useCallback(() => session.sessionLost(), [session]));
  return (
    <>
      <AppHeader onBack={goBack}>
        <h1 class={styles.title}>{t('historyTitle')}</h1>
      </AppHeader>
      <ConnectionBanner />
      <main class={styles.main}>
        {history.offline && history.messages.length === 0 ? (
          <p class={styles.offline}>{t('offline')}</p>
        ) : (
          <MessageList
            messages={history.messages}
            me={session.me}
            label={t('historyTitle')}
            before={history.before}
            loadingOlder={history.loadingOlder}
            onLoadOlder={history.loadOlder}
            showParticipants
            beginningText={t('historyBeginning')}
            emptyText={t('noChats')}
          />
        )}
      </main>
    </>
  );
}
