import { formatDay } from '../../lib/format';
import styles from './day-separator.module.css';

export function DaySeparator({ iso }: { iso: string }) {
  return (
    // A list item like the messages around it: a role of its own inside the <ol> broke the list for screen
    // readers (axe "list", serious; issue #19, item 5). Its text says the day.
    <li class={styles.separator}>
      <span>{formatDay(iso)}</span>
    </li>
  );
}
