/**
 * The API's username rule (issue #2), applied early so a typo gets an answer before any request. It is the
 * rule every existing name meets, for logging in and for starting chats: names made before issue #15 (`maria.`)
 * still log in and receive. The tighter rule for new names is the server's alone, and its 400 says which part
 * a name broke (the login screen shows that message).
 */
export function normalizeUsername(raw: string): string {
  return raw.trim().normalize('NFKC').toLowerCase();
}

export function isValidUsername(name: string): boolean {
  return /^[a-z0-9][a-z0-9_.-]{2,31}$/.test(name);
}
