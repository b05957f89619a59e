import type { FunctionComponent } from 'preact';
import type { TextKey } from '../../lib/i18n';
import { AccountSettings } from '../account-settings';
import { BlockedSettings } from '../blocked-settings';
import { DataSettings } from '../data-settings';
import { DeleteAccountSettings } from '../delete-account-settings';
import { DevicesSettings } from '../devices-settings';
import { LanguageSettings } from '../language-settings';
import { NotificationSettings } from '../notification-settings';
import { PasswordSettings } from '../password-settings';
import { PrivacySettings } from '../privacy-settings';
import { ProfileSettings } from '../profile-settings';

/**
 * The sections of the settings screen, in the order shown. A feature that has settings (notifications, devices,
 * blocked people, language, privacy, your data...) adds its own component here: one line each, so features
 * built side by side do not edit the same lines.
 */
export interface SettingsSection {
  /** Stable id: the section's anchor (`#/settings` scrolls nowhere; tests find a section by it). */
  id: string;
  title: TextKey;
  Component: FunctionComponent;
}

export const SETTINGS_SECTIONS: readonly SettingsSection[] = [
  { id: 'profile', title: 'settingsProfile', Component: ProfileSettings },
  { id: 'privacy', title: 'settingsPrivacy', Component: PrivacySettings },
  { id: 'language', title: 'settingsLanguage', Component: LanguageSettings },
  { id: 'notifications', title: 'settingsNotifications', Component: NotificationSettings },
  { id: 'account', title: 'settingsAccount', Component: AccountSettings },
  { id: 'devices', title: 'settingsDevices', Component: DevicesSettings },
  { id: 'blocked', title: 'settingsBlocked', Component: BlockedSettings },
  { id: 'password', title: 'settingsPassword', Component: PasswordSettings },
  { id: 'data', title: 'settingsData', Component: DataSettings },
  { id: 'delete-account', title: 'settingsDeleteAccount', Component: DeleteAccountSettings },
];
