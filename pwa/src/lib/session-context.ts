import { createContext } from 'preact';
import type { ChatSession } from '../chat/chat-session';

export interface SessionContextValue {
  session: ChatSession;
  /** `/sair` and the Log out button. */
  logout(): Promise<void>;
  /** Deletes the account (issue #17) and returns to the login screen; a wrong password rejects with `wrong_password`. */
  deleteAccount(password: string): Promise<void>;
}

export const SessionContext = createContext<SessionContextValue | null>(null);
