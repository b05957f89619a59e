/**
 * The wire contract of the Papo API: the JSON shapes clients see. `openapi.yaml` documents the same shapes;
 * the PWA imports these with `import type` so the two sides cannot disagree silently.
 * Keep these exactly (issue #2): add fields if needed, never rename or remove.
 */

export type MessageStatus = 'sent' | 'delivered' | 'read';

export interface Message {
  /** Opaque, unique on this server. */
  id: string;
  from: string;
  to: string;
  content: string;
  /** ISO 8601, UTC. */
  sentAt: string;
  /** The sender's own id for the send, echoed so its devices can match their local copy. */
  clientId?: string;
  status: MessageStatus;
  /**
   * A placeholder for a message whose record is damaged (issue #15): empty content, shown as "this message
   * could not be read". Only in history pages and conversations, never in the stream.
   */
  unreadable?: true;
  /** Files the message carries (issue #18); absent when none. */
  attachments?: Attachment[];
  /** When the sender last edited it (issue #18): `content` is the latest text; show an "edited" mark. */
  editedAt?: string;
  /** Deleted for everyone by its sender (issue #18): `content` is empty; show "message deleted" where it was. */
  deleted?: true;
  /** The message this one answers, as it stands now (issue #18). */
  replyTo?: Quote;
}

/** The message a reply answers: enough to show the quote without fetching it. */
export interface Quote {
  id: string;
  from: string;
  /** Its latest text, at most 200 characters (cut with "…"); empty when it was deleted. */
  content: string;
  deleted?: true;
}

/** A file a message carries (issue #18). Fetch it at `/api/attachments/{id}`, its preview at `.../thumbnail`. */
export interface Attachment {
  id: string;
  /** The display name (cleaned by the server: never a path). */
  name: string;
  /** Read from the file's bytes by the server. Only image/jpeg, png, webp and gif are shown inline. */
  type: string;
  /** Bytes. */
  size: number;
  /** Pixels, for images: reserve the space before the picture loads. */
  width?: number;
  height?: number;
  /** Whether `/api/attachments/{id}/thumbnail` has a small preview (images). */
  thumbnail: boolean;
}

export interface UploadResponse {
  attachment: Attachment;
}

export interface MessageEvent {
  type: 'message';
  message: Message;
}

export interface StatusEvent {
  type: 'status';
  /** Id of a message the user sent. */
  id: string;
  status: 'delivered' | 'read';
  /** ISO 8601, UTC. */
  at: string;
}

/**
 * `from` is typing a message to the user (issue #19, item 10): never stored, only handed to polls held when
 * it came, and it carries no cursor. Show it for `seconds` unless another comes or a message from `from` does.
 */
export interface TypingEvent {
  type: 'typing';
  from: string;
  seconds: number;
}

/** Who may see one's last seen and online status (issue #19, item 11). */
export type LastSeenVisibility = 'everyone' | 'nobody';

/** Someone as another user sees them (issue #19, items 11 and 12). */
export interface UserProfile {
  username: string;
  /** Set by the person; null: show the username. */
  displayName: string | null;
  /**
   * Null when hidden: the person hides it, or the one asking hides theirs. `lastSeenAt` (ISO 8601, UTC) is
   * null when they were never seen since this was kept.
   */
  presence: { online: boolean; lastSeenAt: string | null } | null;
  /** Where their photo's image is (any logged-in user may fetch it), or null when they have none. */
  photoUrl: string | null;
  /** Present when the person deleted their account (issue #17): no display name, presence or photo then. */
  deleted?: true;
}

export interface UsersResponse {
  users: UserProfile[];
}

/** One's own profile and settings. */
export interface MyProfile {
  username: string;
  displayName: string | null;
  lastSeenVisibility: LastSeenVisibility;
  photoUrl: string | null;
}

export interface ProfileUpdate {
  displayName?: string | null;
  /** An image attachment I uploaded (POST /api/attachments) and no message carries; null removes the photo. */
  photo?: string | null;
  lastSeenVisibility?: LastSeenVisibility;
}

export interface TypingRequest {
  to: string;
}
/** The sender edited a message (issue #18): apply `content` to the message `id`. */
export interface EditEvent {
  type: 'edit';
  id: string;
  content: string;
  /** ISO 8601, UTC. */
  editedAt: string;
}

/**
 * A message was deleted for everyone (`for: "everyone"`: show "message deleted" in its place), or this user
 * hid it on another device (`for: "me"`: remove it from view). Issue #18.
 */
export interface DeleteEvent {
  type: 'delete';
  id: string;
  for: 'everyone' | 'me';
  /** ISO 8601, UTC. */
  at: string;
}

export type StreamEvent = MessageEvent | StatusEvent | TypingEvent | EditEvent | DeleteEvent;

export interface User {
  username: string;
}

export interface LoginRequest {
  username: string;
  password: string;
}

export interface SessionResponse {
  user: User;
}

export interface LoginResponse extends SessionResponse {
  created: boolean;
}

export interface SendRequest {
  to: string;
  /** May be empty when the message carries attachments. */
  content: string;
  clientId?: string;
  /** Ids of files this sender uploaded (POST /api/attachments), at most 10. */
  attachments?: string[];
  /** The id of the message this one answers, in the same conversation (issue #18). */
  replyTo?: string;
}

export interface EditRequest {
  content: string;
}

export interface EditResponse {
  message: Message;
}

export interface SearchResponse {
  /** Newest first. */
  messages: Message[];
  /** Pass as `before` for the next (older) page; null when there are no more matches. */
  before: string | null;
}

export interface SendResponse {
  message: Message;
}

export interface PollResponse {
  events: StreamEvent[];
  /** Opaque; pass it back as `after` to acknowledge these events and get the next ones. */
  cursor: string;
}

export interface ReadRequest {
  with: string;
  upTo: string;
}

export interface HistoryResponse {
  /** Oldest first within the page; the first call returns the newest page. */
  messages: Message[];
  /** Cursor of the next older page, or null when this page reaches the beginning. */
  before: string | null;
}

export interface Conversation {
  with: string;
  last: Message;
  unread: number;
  /** Present when `with` deleted their account (issue #17): their messages stay, and nothing more can be sent. */
  deleted?: true;
}

export interface ConversationsResponse {
  conversations: Conversation[];
}

/** A logged-in device of the user: one of their sessions (issue #17). */
export interface Device {
  /** Opaque; names the device in `DELETE /api/account/devices/{id}`. */
  id: string;
  /** From the User-Agent it logged in with, e.g. "Chrome on Android". */
  name: string;
  /** ISO 8601, UTC. */
  loggedInAt: string;
  /** ISO 8601, UTC; right to the hour, except for this device. */
  lastUsedAt: string;
  /** True for the device that asked. */
  current: boolean;
}

export interface DevicesResponse {
  devices: Device[];
}

export interface EndDevicesResponse {
  /** How many devices were logged out. */
  ended: number;
}

/** `DELETE /api/account` (issue #17): the account's password, as a password change asks for the current one. */
export interface DeleteAccountRequest {
  password: string;
}

export interface ChangePasswordRequest {
  currentPassword: string;
  newPassword: string;
}

/** `PUT /api/push/subscription`: a device's Web Push subscription, as `PushSubscription.toJSON()` gives it (issue #17). */
export interface PushSubscriptionRequest {
  endpoint: string;
  expirationTime?: number | null;
  keys: { p256dh: string; auth: string };
}

export interface PushKeyResponse {
  /** The server's VAPID public key, base64url: `applicationServerKey` for `pushManager.subscribe`. */
  publicKey: string;
}

/** Someone the user blocked (issue #17): their messages are withheld from the user. */
export interface BlockedUser {
  username: string;
  /** When they were blocked, ISO 8601, UTC. */
  at: string;
}

export interface BlocksResponse {
  blocked: BlockedUser[];
}

export type ErrorCode =
  | 'invalid_request'
  | 'invalid_username'
  | 'invalid_password'
  | 'unknown_field'
  | 'invalid_cursor'
  | 'not_authenticated'
  | 'wrong_password'
  | 'forbidden_origin'
  | 'misdirected_request'
  | 'account_locked'
  | 'username_unavailable'
  | 'account_deleted'
  | 'not_found'
  | 'user_not_found'
  | 'message_not_found'
  | 'attachment_not_found'
  | 'range_not_satisfiable'
  | 'attachment_in_use'
  | 'client_id_conflict'
  | 'not_your_message'
  | 'message_deleted'
  | 'change_window_over'
  | 'invalid_reply'
  | 'too_many_subscriptions'
  | 'cursor_expired'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'too_many_requests'
  | 'unavailable'
  | 'internal';

export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}
