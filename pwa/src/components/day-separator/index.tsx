import { formatDay } from '../../lib/format';
import styles from './day-separator.module.css';

export function DaySeparator({ iso }: { iso: string }) {
  return (
    <li class={styles.separator} role="separator" aria-label={formatDay(iso)}>
      <span>{formatDay(iso)}</span>
    </li>
  );
}
