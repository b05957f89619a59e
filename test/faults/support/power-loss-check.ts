import type { Message } from '../../../api/contract.js';
import { LongPollHub } from '../../../api/messaging/long-poll.js';
import { MessageIds } from '../../../api/messaging/message-ids.js';
import { createMessaging } from '../../../api/messaging/messaging.js';
import { TokenCipher } from '../../../api/messaging/token-cipher.js';
import { sessionKey } from '../../../api/store/session-key.js';
import type { TextStore } from '../../../api/store/text/text-store.js';
import { openStore, type LogLine } from './store.js';
import type { Promise201 } from './power-loss-workload.js';

/**
 * What the clients were promised up to a cut (the marks before it), and the check of a store reopened on
 * the folder a power loss at that cut leaves (issue #15): everything promised is there, as promised;
 * nothing half-written is read; the store works on.
 */
export class Promised {
  readonly accounts = new Set<string>();
  readonly sessions = new Map<string, string>();
  readonly loggedOut = new Set<string>();
  readonly loggingOut = new Set<string>();
  readonly sent = new Map<string, Message>();
  readonly delivered = new Set<string>();
  readonly reads: { user: string; peer: string; upTo: string }[] = [];
  /** blocker>blocked -> the last acknowledged state; pairs with a request unanswered at the cut are left out. */
  readonly blocks = new Map<string, boolean>();
  readonly blocking = new Set<string>();
  /** The last cursor each device was handed, and what it had received up to it. */
  readonly cursors = new Map<string, { user: string; cursor: string; seen: Set<string> }>();

  add(event: Promise201): void {
    switch (event.type) {
      case 'account':
        this.accounts.add(event.user);
        break;
      case 'session':
        this.sessions.set(event.sid, event.user);
        break;
      case 'logging-out':
        this.loggingOut.add(event.sid);
        break;
      case 'logout':
        this.loggedOut.add(event.sid);
        this.cursors.delete(event.sid);
        break;
      case 'sent':
        this.sent.set(event.message.id, event.message);
        break;
      case 'delivered':
        for (const id of event.ids) this.delivered.add(id);
        break;
      case 'cursor':
        this.cursors.set(event.sid, { user: event.user, cursor: event.cursor, seen: new Set(event.seen) });
        break;
      case 'read':
        this.reads.push(event);
        break;
      case 'blocking':
        this.blocking.add(`${event.blocker}>${event.blocked}`);
        break;
      case 'block':
        this.blocking.delete(`${event.blocker}>${event.blocked}`);
        this.blocks.set(`${event.blocker}>${event.blocked}`, event.on);
        break;
    }
  }
}

/** Opens the store on `dataDir` and returns every way it breaks a promise (empty when it keeps them all). */
export async function checkReopened(dataDir: string, promised: Promised): Promise<string[]> {
  const problems: string[] = [];
  let opened: { store: TextStore; logs: LogLine[] };
  try {
    opened = await openStore(dataDir);
  } catch (err) {
    return [`the store does not open: ${(err as Error).message}`];
  }
  const { store, logs } = opened;
  try {
    for (const l of logs) {
      if (l.level >= 50 || (l.level >= 40 && l.msg !== 'dropped a torn tail (an unfinished write)'))
        problems.push(`logged at ${l.level}: ${l.msg} ${JSON.stringify(l)}`);
    }
    await checkContent(store, promised, problems);
    await checkCursors(store, promised, problems);
    await checkWorksOn(store, dataDir, promised, problems);
  } finally {
    await store.close().catch((err: unknown) => problems.push(`close failed: ${(err as Error).message}`));
  }
  if (problems.length === 0) problems.push(...(await checkClean(dataDir, promised)));
  return problems;
}

/** Messages and events as clients see them: the store speaks sequence numbers, clients opaque ids (issue #15, item 7). */
async function idsOf(store: TextStore): Promise<MessageIds> {
  const key = await store.messages.tokenKey();
  return new MessageIds(new TokenCipher(key.key), key.legacyIdsUpTo);
}

async function checkContent(store: TextStore, promised: Promised, problems: string[]): Promise<void> {
  const ids = await idsOf(store);
  for (const user of promised.accounts) if (!(await store.users.find(user))) problems.push(`account ${user} is gone`);
  const histories = new Map<string, Map<string, Message>>();
  for (const user of await knownUsers(store, promised)) {
    const page = await store.messages.history(user, { limit: 1_000_000 });
    const byId = new Map<string, Message>();
    for (const m of ids.messages(page.messages)) {
      if (byId.has(m.id)) problems.push(`message ${m.id} twice in the history of ${user}`);
      byId.set(m.id, m);
    }
    histories.set(user, byId);
  }
  const streams = new Map<string, Set<string>>();
  for (const [id, sent] of promised.sent) {
    for (const owner of [sent.from, sent.to]) {
      const m = histories.get(owner)?.get(id);
      if (!m) problems.push(`acknowledged message ${id} (${sent.from} -> ${sent.to}) is missing from the history of ${owner}`);
      else if (m.content !== sent.content || m.from !== sent.from || m.to !== sent.to || m.clientId !== sent.clientId)
        problems.push(`message ${id} in the history of ${owner} is not what was sent`);
    }
    const status = histories.get(sent.from)?.get(id)?.status;
    if (promised.delivered.has(id) && status === 'sent') problems.push(`message ${id} was acknowledged as delivered, but is 'sent' again`);
    if (status === 'sent') {
      // Not delivered: it must still be on its way to the recipient, from where a new device starts.
      let stream = streams.get(sent.to);
      if (!stream) {
        const start = await store.messages.startPosition(sent.to);
        const page = await store.messages.readStream(sent.to, start, 1_000_000);
        stream = new Set(ids.events(page.events).flatMap((e) => (e.type === 'message' ? [e.message.id] : [])));
        streams.set(sent.to, stream);
      }
      if (!stream.has(id)) problems.push(`undelivered message ${id} is no longer queued for ${sent.to}`);
    }
  }
  for (const read of promised.reads) {
    const conversation = [...(histories.get(read.peer)?.values() ?? [])].filter((m) => m.to === read.user || m.from === read.user);
    const upTo = conversation.findIndex((m) => m.id === read.upTo);
    for (const m of conversation.slice(0, upTo + 1)) {
      if (m.from === read.peer && m.status !== 'read')
        problems.push(`${read.user} read ${read.peer}'s message ${m.id}, but it is '${m.status}'`);
    }
  }
  await checkReceipts(store, ids, promised, problems);
  for (const [pair, on] of promised.blocks) {
    const [blocker = '', blocked = ''] = pair.split('>');
    if (!promised.blocking.has(pair) && (await store.blocks.isBlocked(blocker, blocked)) !== on)
      problems.push(`acknowledged ${on ? 'block' : 'unblock'} ${pair} is lost`);
  }
  for (const [sid, user] of promised.sessions) {
    const session = await store.sessions.get(sid);
    if (promised.loggedOut.has(sid) && session) problems.push(`session of ${user} is back after its logout`);
    if (!promised.loggingOut.has(sid) && session?.username !== user) problems.push(`session of ${user} is gone`);
  }
}

/** Each delivery acknowledged gave its sender a receipt (delivered, or read when the reader got there first), once. */
async function checkReceipts(store: TextStore, ids: MessageIds, promised: Promised, problems: string[]): Promise<void> {
  const receipts = new Map<string, Map<string, number>>();
  for (const user of await knownUsers(store, promised)) {
    const page = await store.messages.readStream(user, 0, 1_000_000);
    const mine = new Map<string, number>();
    for (const e of ids.events(page.events))
      if (e.type === 'status') mine.set(`${e.id} ${e.status}`, (mine.get(`${e.id} ${e.status}`) ?? 0) + 1);
    for (const [key, n] of mine) if (n > 1) problems.push(`receipt ${key} ${n} times in the stream of ${user}`);
    receipts.set(user, mine);
  }
  for (const id of promised.delivered) {
    const sender = promised.sent.get(id)?.from;
    if (sender === undefined) continue;
    const mine = receipts.get(sender);
    if (!mine?.has(`${id} delivered`) && !mine?.has(`${id} read`))
      problems.push(`no receipt for delivered message ${id} in ${sender}'s stream`);
  }
}

/** Every cursor handed out still works: a poll with it is answered, and repeats nothing that device had. */
async function checkCursors(store: TextStore, promised: Promised, problems: string[]): Promise<void> {
  const messaging = createMessaging(store, new LongPollHub({ perUser: 5, total: 100 }), await store.messages.tokenKey());
  for (const [sid, { user, cursor, seen }] of promised.cursors) {
    try {
      const session = { key: sessionKey(sid), expiresAt: Date.now() + 60_000 };
      const answer = await messaging.poll(user, { after: cursor, waitSeconds: 0, session, onGone: () => undefined });
      for (const e of answer.events) {
        if (e.type === 'message' && seen.has(e.message.id))
          problems.push(`message ${e.message.id} given again after cursor ${cursor} of ${sid}`);
      }
    } catch (err) {
      problems.push(`cursor ${cursor} of ${user} refused after the power loss: ${(err as Error).message}`);
    }
  }
}

/** The store takes a new message, and it gets a new id. */
async function checkWorksOn(store: TextStore, dataDir: string, promised: Promised, problems: string[]): Promise<void> {
  const [from, to] = [...promised.accounts];
  if (from === undefined || to === undefined) return;
  try {
    const { message } = await store.messages.append({ from, to, content: 'after the power loss', clientId: 'after-the-cut' });
    const id = (await idsOf(store)).message(message).id;
    if (promised.sent.has(id)) problems.push(`new message got id ${id}, which an acknowledged message has (${dataDir})`);
    const page = await store.messages.history(to, { with: from, limit: 1 });
    if (page.messages[0]?.content !== 'after the power loss') problems.push('the message sent after reopening is not in the history');
  } catch (err) {
    problems.push(`a send after reopening failed: ${(err as Error).message}`);
  }
}

/** A second start finds the files whole: the first one cut every torn tail and wrote nothing torn. */
async function checkClean(dataDir: string, promised: Promised): Promise<string[]> {
  const { store, logs } = await openStore(dataDir);
  try {
    const problems = logs.filter((l) => l.level >= 40).map((l) => `second start logged at ${l.level}: ${l.msg}`);
    const [from, to] = [...promised.accounts];
    if (from !== undefined && to !== undefined) {
      const page = await store.messages.history(to, { with: from, limit: 1 });
      if (page.messages[0]?.clientId !== 'after-the-cut') problems.push('the message sent after reopening is gone after a clean restart');
    }
    return problems;
  } finally {
    await store.close();
  }
}

async function knownUsers(store: TextStore, promised: Promised): Promise<string[]> {
  const users = new Set(promised.accounts);
  for (const m of promised.sent.values()) users.add(m.from).add(m.to);
  const out: string[] = [];
  for (const u of users) if (await store.users.find(u)) out.push(u);
  return out;
}
