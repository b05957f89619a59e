import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api/api-error';
import { api } from '../api/client';
import { type LocalMessage, fromServer, sameMessage } from '../chat/local-message';

interface AllHistory {
  messages: LocalMessage[];
  before: string | null | undefined;
  loadingOlder: boolean;
  offline: boolean;
  loadOlder: () => void;
}

const PAGE_SIZE = 50;

/** Every conversation in one timeline (the old `/history`), paged from the server; not cached offline. */
export function useAllHistory(onUnauthorized: () => void): AllHistory {
  const [messages, setMessages] = useState<LocalMessage[]>([]);
  const [before, setBefore] = useState<string | null | undefined>(undefined);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [offline, setOffline] = useState(false);
  const loading = useRef(false);

  const load = useCallback(
    async (cursor: string | null | undefined) => {
      if (loading.current) return;
      loading.current = true;
      if (cursor) setLoadingOlder(true);
      try {
        const page = await api.history({ before: cursor ?? null, limit: PAGE_SIZE });
        const older = page.messages.map(fromServer);
        setMessages((known) => [...older.filter((m) => !known.some((k) => sameMessage(k, m))), ...known]);
        setBefore(page.before);
        setOffline(false);
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) onUnauthorized();
        else if (error instanceof ApiError && error.code === 'network') setOffline(true);
        else console.warn('papo: history failed', error);
      } finally {
        loading.current = false;
        setLoadingOlder(false);
      }
    },
    [onUnauthorized],
  );

  useEffect(() => void load(undefined), [load]);
  const loadOlder = useCallback(() => {
    if (before) void load(before);
  }, [before, load]);

  return { messages, before, loadingOlder, offline, loadOlder };
}
