import { useEffect } from 'preact/hooks';
import { isBlocked } from '../chat/blocked-people';
import { useSession } from './use-session';
import { useSlice } from './use-slice';

/**
 * Whether I blocked `peer` (issue #17): `null` until the list is known. Each screen that asks reads the server's
 * list again (a block made on another device shows); blocking here updates every screen at once.
 */
export function useBlocked(peer: string): boolean | null {
  const { session } = useSession();
  const blocked = useSlice(session.blocks.state, (state) => isBlocked(state, peer));
  useEffect(() => {
    session.blocks.load().catch(() => undefined);
  }, [session]);
  return blocked;
}
