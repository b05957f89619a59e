import { defined } from '../../lib/assert';
import controls from '../../styles/controls.module.css';
import styles from './avatar.module.css';

const HUES = [styles.hue0, styles.hue1, styles.hue2, styles.hue3, styles.hue4, styles.hue5];

/**
 * A person's photo, or a letter on a colour derived from the username: tells conversations apart at a glance.
 * The letter is the display name's first when there is one (`label`); the colour stays the username's, so it
 * does not change when someone renames themself.
 */
export function Avatar({
  name,
  label,
  photoUrl,
  size = 'normal',
}: {
  name: string;
  label?: string | null | undefined;
  /** The person's photo (issue #19, item 12): shown on the circle instead of the letter. */
  photoUrl?: string | null | undefined;
  size?: 'normal' | 'small' | 'large';
}) {
  let hash = 0;
  for (const char of name) hash = (hash * 31 + defined(char.codePointAt(0), 'a code point')) >>> 0;
  const hue = defined(HUES[hash % HUES.length], 'an avatar hue class');
  const initial = defined([...(label || name)][0], 'the first letter of a name').toUpperCase();
  return (
    <span
      class={`${controls.circle48} ${styles.avatar} ${hue} ${size === 'small' ? styles.small : size === 'large' ? styles.large : ''}`}
      aria-hidden="true"
    >
      {photoUrl ? <img class={styles.photo} src={photoUrl} alt="" /> : initial}
    </span>
  );
}
