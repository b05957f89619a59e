import type { LocalMessage } from '../chat/local-message';
import { t } from './i18n';

/** What a message says in one line (a conversation row, a notification): its text, or what it carries (issue #18). */
export function summaryOf(message: Pick<LocalMessage, 'content' | 'attachments' | 'localFiles'>): string {
  if (message.content !== '') return message.content;
  const first = message.attachments?.[0] ?? message.localFiles?.[0];
  if (!first) return '';
  return first.type.startsWith('image/') ? `📷 ${t('photo')}` : t('fileMessage', { name: first.name });
}
