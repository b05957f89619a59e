import { useSession } from '../../lib/use-session';
import { useSlice } from '../../lib/use-slice';

/**
 * Screen readers hear each message that arrives live (issue #3). A separate region, not the message list itself,
 * so that loading older history is not read out.
 */
export function LiveAnnouncer() {
  const { session } = useSession();
  const announcement = useSlice(session.state, (state) => state.announcement);
  return (
    <div class="visually-hidden" aria-live="polite" aria-atomic="true">
      <span key={announcement.seq}>{announcement.text}</span>
    </div>
  );
}
