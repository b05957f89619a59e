import { Component, type ComponentChildren } from 'preact';
import { t } from '../../lib/i18n';
import controls from '../../styles/controls.module.css';
import styles from './error-boundary.module.css';

interface Props {
  children: ComponentChildren;
}

/** Around each screen: a bug in one screen shows a way out instead of a blank app. */
export class ErrorBoundary extends Component<Props, { failed: boolean }> {
  override state = { failed: false };

  static override getDerivedStateFromError(): { failed: boolean } {
    return { failed: true };
  }

  override componentDidCatch(error: unknown): void {
    console.error('papo: screen crashed', error);
  }

  override render() {
    if (!this.state.failed) return this.props.children;
    return (
      <div class={styles.crashed} role="alert">
        <p>{t('crashed')}</p>
        <button type="button" class={`${controls.accentFill} ${styles.reload}`} onClick={() => location.reload()}>
          {t('reload')}
        </button>
      </div>
    );
  }
}
