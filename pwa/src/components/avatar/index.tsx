import { defined } from '../../lib/assert';
import controls from '../../styles/controls.module.css';
import styles from './avatar.module.css';

const HUES = [styles.hue0, styles.hue1, styles.hue2, styles.hue3, styles.hue4, styles.hue5];

/** A letter on a colour derived from the name: tells conversations apart at a glance, without images. */
export function Avatar({ name, size = 'normal' }: { name: string; size?: 'normal' | 'small' }) {
  let hash = 0;
  for (const char of name) hash = (hash * 31 + defined(char.codePointAt(0), 'a code point')) >>> 0;
  const hue = defined(HUES[hash % HUES.length], 'an avatar hue class');
  const initial = defined([...name][0], 'the first letter of a username').toUpperCase();
  return (
    <span class={`${controls.circle48} ${styles.avatar} ${hue} ${size === 'small' ? styles.small : ''}`} aria-hidden="true">
      {initial}
    </span>
  );
}
