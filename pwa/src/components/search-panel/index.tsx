import { useEffect, useRef, useState } from 'preact/hooks';
import type { Message } from '../../../../api/contract';
import { fromServer } from '../../chat/local-message';
import { formatTime } from '../../lib/format';
import { t } from '../../lib/i18n';
import { queryWords } from '../../lib/search-highlight';
import { useSession } from '../../lib/use-session';
import { Icon } from '../icon';
import { MessageBubble } from '../message-bubble';
import controls from '../../styles/controls.module.css';
import styles from './search-panel.module.css';

interface Props {
  /** Search one conversation; all of them when absent. */
  peer?: string;
  onClose: () => void;
  /** A result was tapped: show it in its conversation. */
  onOpen: (message: Message) => void;
}

/** Waits this long after the last keystroke before asking the server. */
const DEBOUNCE_MS = 250;

/**
 * Search my messages (issue #18): newest first, the matched words marked, more pages on request; a tap opens
 * the message in its conversation. Accents and case do not matter, as the server folds them.
 */
export function SearchPanel({ peer, onClose, onOpen }: Props) {
  const { session } = useSession();
  const [query, setQuery] = useState('');
  const [results, setResults] = useState<Message[]>([]);
  const [before, setBefore] = useState<string | null>(null);
  const [state, setState] = useState<'idle' | 'short' | 'loading' | 'done' | 'failed'>('idle');
  const field = useRef<HTMLInputElement>(null);
  const words = queryWords(query);

  useEffect(() => field.current?.focus(), []);

  useEffect(() => {
    if (query.trim() === '') {
      setState('idle');
      setResults([]);
      return;
    }
    if (!words.some((w) => [...w].length >= 2)) {
      setState('short');
      return;
    }
    let current = true;
    const timer = setTimeout(() => {
      setState('loading');
      session.changes.search(query, peer).then(
        (page) => {
          if (!current) return;
          setResults(page.messages);
          setBefore(page.before);
          setState('done');
        },
        () => {
          if (!current) return;
          setResults([]);
          setState('failed');
        },
      );
    }, DEBOUNCE_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [query, peer, session]);

  async function more() {
    const page = await session.changes.search(query, peer, before);
    setResults((r) => [...r, ...page.messages]);
    setBefore(page.before);
  }

  return (
    <section class={styles.panel} aria-label={peer ? t('searchIn') : t('searchLabel')}>
      <div class={styles.bar}>
        <Icon name="search" size={20} />
        <input
          ref={field}
          type="search"
          class={styles.field}
          value={query}
          placeholder={t('searchPlaceholder')}
          aria-label={peer ? t('searchIn') : t('searchLabel')}
          maxLength={200}
          onInput={(event) => setQuery(event.currentTarget.value)}
          onKeyDown={(event) => {
            if (event.key === 'Escape') onClose();
          }}
        />
        <button type="button" class={controls.iconButton} aria-label={t('closeSearch')} title={t('closeSearch')} onClick={onClose}>
          <Icon name="close" size={20} />
        </button>
      </div>
      <div class={styles.results} aria-live="polite">
        {state === 'short' && <p class={styles.note}>{t('searchTooShort')}</p>}
        {/* A user's first search after a start builds their index: seconds on a very long history. */}
        {state === 'loading' && <p class={styles.note}>{t('searching')}</p>}
        {state === 'failed' && <p class={styles.note}>{t('somethingWrong')}</p>}
        {state === 'done' && results.length === 0 && <p class={styles.note}>{t('searchNone')}</p>}
        <ol class={styles.list}>
          {results.map((m) => (
            <li key={m.id} class={styles.result}>
              <button type="button" class={styles.open} onClick={() => onOpen(m)}>
                <span class={styles.who}>
                  {peer ? '' : `${m.from === session.me ? m.to : m.from} · `}
                  {formatTime(m.sentAt)} {new Date(m.sentAt).toLocaleDateString()}
                </span>
              </button>
              <ol class={styles.bubble} onClick={() => onOpen(m)}>
                <MessageBubble message={fromServer(m)} mine={m.from === session.me} highlight={words} />
              </ol>
            </li>
          ))}
        </ol>
        {before && state === 'done' && (
          <button type="button" class={styles.more} onClick={() => void more()}>
            {t('searchMore')}
          </button>
        )}
      </div>
    </section>
  );
}
