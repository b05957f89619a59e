import type { LocalStatus } from '../../chat/local-message';
import { defined } from '../../lib/assert';
import { t } from '../../lib/i18n';
import { Icon, type IconName } from '../icon';
import styles from './message-ticks.module.css';

const muted = defined(styles.muted, 'the class muted');

const TICKS: Record<LocalStatus, { icon: IconName; label: () => string; class: string }> = {
  pending: { icon: 'clock', label: () => t('statusPending'), class: muted },
  sent: { icon: 'check', label: () => t('statusSent'), class: muted },
  delivered: { icon: 'checks', label: () => t('statusDelivered'), class: muted },
  read: { icon: 'checks', label: () => t('statusRead'), class: defined(styles.read, 'the class read') },
  failed: { icon: 'alert', label: () => t('statusFailed'), class: defined(styles.failed, 'the class failed') },
};

/** The ticks people know from other messengers: clock, one grey, two grey, two blue. */
export function MessageTicks({ status }: { status: LocalStatus }) {
  const look = TICKS[status];
  return (
    <span class={`${styles.ticks} ${look.class}`} role="img" aria-label={look.label()} title={look.label()} data-ticks={status}>
      <Icon name={look.icon} size={16} />
    </span>
  );
}
