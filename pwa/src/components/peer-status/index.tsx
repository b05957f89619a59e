import { useEffect, useState } from 'preact/hooks';
import { formatPresence } from '../../lib/format';
import { t } from '../../lib/i18n';
import { useSession } from '../../lib/use-session';
import { useSlice } from '../../lib/use-slice';

/** How often an open chat asks again whether its peer is online. */
const REFRESH_MS = 30_000;

/**
 * The line under a chat's title (issue #19, items 10 and 11): "typing…" while the peer types, else the
 * connection while it is being made, else "online" or when they were last seen; nothing when they hide it.
 */
export function PeerStatus({ peer, class: className }: { peer: string; class?: string | undefined }) {
  const { session } = useSession();
  const typing = useSlice(session.state, (state) => state.typing[peer] !== undefined);
  const connecting = useSlice(session.state, (state) => state.connection === 'connecting');
  const presence = useSlice(session.state, (state) => state.people[peer]?.presence ?? null);
  // Re-rendered with each refresh, so "last seen today at" follows the clock past midnight.
  const [, setTick] = useState(0);

  useEffect(() => {
    void session.people.refresh([peer]);
    const timer = setInterval(() => {
      void session.people.refresh([peer]);
      setTick((n) => n + 1);
    }, REFRESH_MS);
    return () => clearInterval(timer);
  }, [session, peer]);

  const text = typing ? t('typing') : connecting ? t('reconnecting') : presence ? formatPresence(presence) : null;
  if (text === null) return null;
  const kind = typing ? 'typing' : connecting ? 'connecting' : presence?.online ? 'online' : 'last-seen';
  return (
    <span class={className} data-peer-status={kind}>
      {text}
    </span>
  );
}
