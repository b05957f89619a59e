/** The API's username rule (issue #2), applied early so a typo gets an answer before any request. */
export function normalizeUsername(raw: string): string {
  return raw.trim().normalize('NFKC').toLowerCase();
}

export function isValidUsername(name: string): boolean {
  return /^[a-z0-9][a-z0-9_.-]{2,31}$/.test(name);
}
