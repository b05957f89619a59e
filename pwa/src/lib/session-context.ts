import { createContext } from 'preact';
import type { ChatSession } from '../chat/chat-session';

export interface SessionContextValue {
  session: ChatSession;
  /** `/sair` and the Log out button. */
  logout(): Promise<void>;
}

export const SessionContext = createContext<SessionContextValue | null>(null);
