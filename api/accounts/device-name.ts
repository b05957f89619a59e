import Bowser from 'bowser';

/** Longest User-Agent kept with a session: enough for any real browser's, no room for a client to fill the store. */
export const USER_AGENT_KEPT = 400;

/**
 * A name a person recognises their device by ("Chrome on Android"), from the User-Agent it logged in with
 * (issue #17). bowser does the parsing: browsers' User-Agent strings are a maze of historical tokens
 * ("Mozilla/5.0 ... Safari" in every Chrome) that a hand-written regex gets wrong.
 */
export function deviceName(userAgent: string | undefined): string {
  if (userAgent === undefined || userAgent.trim() === '') return 'Unknown device';
  const { browser, os } = Bowser.parse(userAgent);
  // A program that is no browser (curl, a script) is named by its first product token: "curl".
  const app = browser.name || (/^[\w.-]{1,40}/.exec(userAgent)?.[0] ?? 'Unknown browser');
  return os.name ? `${app} on ${os.name}` : app;
}
