import type { LocalStatus } from '../../chat/local-message';
import { t } from '../../lib/i18n';
import { Icon, type IconName } from '../icon';
import styles from './message-ticks.module.css';

const LOOK: Record<LocalStatus, { icon: IconName; label: () => string; class: string }> = {
  pending: { icon: 'clock', label: () => t('statusPending'), class: styles.muted ?? '' },
  sent: { icon: 'check', label: () => t('statusSent'), class: styles.muted ?? '' },
  delivered: { icon: 'checks', label: () => t('statusDelivered'), class: styles.muted ?? '' },
  read: { icon: 'checks', label: () => t('statusRead'), class: styles.read ?? '' },
  failed: { icon: 'alert', label: () => t('statusFailed'), class: styles.failed ?? '' },
};

/** The ticks people know from other messengers: clock, one grey, two grey, two blue. */
export function MessageTicks({ status }: { status: LocalStatus }) {
  const look = LOOK[status];
  return (
    <span class={`${styles.ticks} ${look.class}`} role="img" aria-label={look.label()} title={look.label()} data-ticks={status}>
      <Icon name={look.icon} size={16} />
    </span>
  );
}
