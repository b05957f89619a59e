import { t } from './i18n';

/** The server's name for a device when the User-Agent said nothing (api/accounts/device-name.ts). */
const UNKNOWN_DEVICE = 'Unknown device';

/**
 * A device's name in the reader's language. The server names devices in English, "Chrome on Android", from
 * the User-Agent (issue #17); the browser and system names are proper nouns, the words around them are not.
 */
export function deviceLabel(serverName: string): string {
  if (serverName === UNKNOWN_DEVICE) return t('unknownDevice');
  const parts = /^(.+) on (.+)$/.exec(serverName);
  return parts?.[1] && parts[2] ? t('deviceOn', { browser: parts[1], os: parts[2] }) : serverName;
}
