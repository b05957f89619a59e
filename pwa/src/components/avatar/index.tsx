import styles from './avatar.module.css';

const HUES = [styles.hue0, styles.hue1, styles.hue2, styles.hue3, styles.hue4, styles.hue5];

/** A letter on a colour derived from the name: tells conversations apart at a glance, without images. */
export function Avatar({ name, size = 'normal' }: { name: string; size?: 'normal' | 'small' }) {
  let hash = 0;
  for (const char of name) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) >>> 0;
  return (
    <span class={`${styles.avatar} ${HUES[hash % HUES.length] ?? ''} ${size === 'small' ? styles.small : ''}`} aria-hidden="true">
      {[...name][0]?.toUpperCase() ?? '?'}
    </span>
  );
}
