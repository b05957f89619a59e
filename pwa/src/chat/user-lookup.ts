import { ApiError } from '../api/api-error';
import type { ChatContext } from './chat-context';

/** Whether `name` has an account: `unknown` when the server cannot be asked (offline). */
export async function userExists(context: Pick<ChatContext, 'api' | 'requestFailed'>, name: string): Promise<'yes' | 'no' | 'unknown'> {
  try {
    // The cheapest question whose answer says it: one message of the conversation, or user_not_found.
    await context.api.history({ with: name, limit: 1 });
    return 'yes';
  } catch (error) {
    if (error instanceof ApiError && error.code === 'user_not_found') return 'no';
    context.requestFailed(error);
    return 'unknown';
  }
}
