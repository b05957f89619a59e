import { locale, t } from './i18n';

// `numeric` hours: 4:05 PM in English, 16:05 in Portuguese (no leading zero before AM/PM).
const time = new Intl.DateTimeFormat(locale, { hour: 'numeric', minute: '2-digit' });
const weekday = new Intl.DateTimeFormat(locale, { weekday: 'long' });
const dayMonth = new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'long' });
const fullDate = new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'long', year: 'numeric' });
const dateTimeThisYear = new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', hour: 'numeric', minute: '2-digit' });
const dateTime = new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', year: 'numeric', hour: 'numeric', minute: '2-digit' });
const shortDate = new Intl.DateTimeFormat(locale, { day: '2-digit', month: '2-digit', year: '2-digit' });

/** Local calendar day, for grouping: two messages a minute apart across midnight are on different days. */
export function dayKey(iso: string): string {
  const date = new Date(iso);
  return `${date.getFullYear()}-${date.getMonth()}-${date.getDate()}`;
}

function daysAgo(iso: string, now: Date): number {
  const then = new Date(iso);
  const startOf = (d: Date) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  return Math.round((startOf(now) - startOf(then)) / 86_400_000);
}

export function formatTime(iso: string): string {
  return time.format(new Date(iso));
}

/** The label of a day separator: Today, Yesterday, then dates. */
export function formatDay(iso: string, now = new Date()): string {
  const ago = daysAgo(iso, now);
  if (ago === 0) return t('today');
  if (ago === 1) return t('yesterday');
  const date = new Date(iso);
  return date.getFullYear() === now.getFullYear() ? dayMonth.format(date) : fullDate.format(date);
}

/** Someone's presence in a chat header (issue #19, item 11): online, or when they were last seen. */
export function formatPresence(presence: { online: boolean; lastSeenAt: string | null }, now = new Date()): string | null {
  if (presence.online) return t('online');
  if (presence.lastSeenAt === null) return null;
  const ago = daysAgo(presence.lastSeenAt, now);
  const at = formatTime(presence.lastSeenAt);
  if (ago === 0) return t('lastSeenToday', { time: at });
  if (ago === 1) return t('lastSeenYesterday', { time: at });
  return t('lastSeenOn', { date: formatDay(presence.lastSeenAt, now) });
}

/** A moment in a list of facts (a device logged in, someone blocked): "Dec 7, 9:05 AM"; the year when not this one. */
export function formatDateTime(iso: string, now = new Date()): string {
  const date = new Date(iso);
  return (date.getFullYear() === now.getFullYear() ? dateTimeThisYear : dateTime).format(date);
}

/** The time in a conversation row, as messaging apps do: a time today, then Yesterday, a weekday, a date. */
export function formatListTime(iso: string, now = new Date()): string {
  const ago = daysAgo(iso, now);
  if (ago === 0) return formatTime(iso);
  if (ago === 1) return t('yesterday');
  if (ago < 7) return weekday.format(new Date(iso));
  return shortDate.format(new Date(iso));
}

const sizeUnits = ['B', 'KB', 'MB', 'GB'];
const oneDecimal = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });

/** A file's size as people read it: 12 KB, 3,4 MB (powers of 1024, as phones show them). */
export function formatSize(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < sizeUnits.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? String(value) : oneDecimal.format(value)} ${sizeUnits[unit] ?? 'B'}`;
}
