import type { ComponentChildren } from 'preact';
import { t } from '../../lib/i18n';
import { Icon } from '../icon';
import controls from '../../styles/controls.module.css';
import styles from './app-header.module.css';

interface Props {
  onBack?: () => void;
  actions?: ComponentChildren;
  children: ComponentChildren;
}

export function AppHeader({ onBack, actions, children }: Props) {
  return (
    <header class={styles.header}>
      {onBack && (
        <button
          type="button"
          class={`${controls.iconButton} ${styles.headerButton}`}
          onClick={onBack}
          aria-label={t('back')}
          title={t('back')}
        >
          <Icon name="back" />
        </button>
      )}
      <div class={styles.title}>{children}</div>
      {actions && <div class={styles.actions}>{actions}</div>}
    </header>
  );
}

/** A 44 px icon button with a visible tooltip and an accessible name. */
export function HeaderButton({
  icon,
  label,
  onClick,
}: {
  icon: 'history' | 'logout' | 'settings' | 'search' | 'block';
  label: string;
  onClick: () => void;
}) {
  return (
    <button type="button" class={`${controls.iconButton} ${styles.headerButton}`} onClick={onClick} aria-label={label} title={label}>
      <Icon name={icon} />
    </button>
  );
}
