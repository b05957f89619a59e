import type { Message } from '../../contract.js';
import type { LastSeenVisibility, MessageAttachment } from '../../store/store.js';

/**
 * The "Export my data" download (issue #17), version 1: what each file of the zip holds. docs/export-format.md
 * is its description for people; a change that breaks a reader of it takes a new `format` number.
 */
export const EXPORT_FORMAT = 1;

/** Where an attachment's bytes are in the zip: its id is a folder, so two files of one name never collide. */
export const attachmentPath = (a: Pick<MessageAttachment, 'id' | 'name'>): string => `attachments/${a.id}/${a.name}`;

/** account.json: one JSON document. */
export interface ExportedAccount {
  format: typeof EXPORT_FORMAT;
  /** ISO 8601, UTC. */
  exportedAt: string;
  username: string;
  /** When the account was made; null where the store never kept it (the text store). */
  createdAt: string | null;
  profile: {
    displayName: string | null;
    lastSeenVisibility: LastSeenVisibility;
    /** The profile photo, when there is one, and where its file is in the zip. */
    photo: { id: string; file: string } | null;
  };
  blocked: { username: string; at: string }[];
  /** Logged-in devices, as the devices page shows them: no session id, cookie or key. */
  devices: { name: string; loggedInAt: string; lastUsedAt: string; current: boolean }[];
  /** Web Push subscriptions: where the push service reaches each device, never its keys. */
  pushSubscriptions: { endpoint: string; createdAt: string }[];
}

/** One line of messages.jsonl: one message of the history, oldest first. */
export interface ExportedMessage {
  /** The id the API shows for it. */
  id: string;
  /** The other person of the conversation. */
  with: string;
  direction: 'sent' | 'received';
  from: string;
  to: string;
  sentAt: string;
  /** Empty when deleted or unreadable. */
  content: string;
  status: Message['status'];
  clientId?: string;
  editedAt?: string;
  /** Deleted for everyone: its text and files are gone, from Papo and from this export. */
  deleted?: true;
  /** Hidden by this user in their own history (delete for me). */
  hidden?: true;
  /** Its record was damaged (text store): only its place is known. */
  unreadable?: true;
  replyTo?: { id: string; from: string; deleted?: true };
  attachments?: (MessageAttachment & { file: string })[];
}

export const README_TEXT = `Papo: your data, export format ${EXPORT_FORMAT}

account.json       your account: username, when it was made (null when the server did not keep it), profile
                   settings, the people you blocked, your logged-in devices and where Web Push reaches them.
                   "format" is this format's number.
messages.jsonl     every message of your history, oldest first, one JSON object per line (JSON Lines): id,
                   "with" (the other person), direction (sent or received), from, to, sentAt, content, status
                   (sent, delivered or read), editedAt, deleted, hidden (you hid it for yourself), replyTo
                   (the id of the message it answers) and attachments (each with "file", its path here).
attachments/       the files of your messages, sent and received, and your profile photo, as attachments/<id>/<name>.

Messages deleted for everyone have no text and no files here: they are gone from Papo too.
Times are ISO 8601, UTC. Passwords, session cookies and server keys are never part of an export.
`;
