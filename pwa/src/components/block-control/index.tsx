import { useState } from 'preact/hooks';
import { t } from '../../lib/i18n';
import { useAction } from '../../lib/use-action';
import { useSession } from '../../lib/use-session';
import controls from '../../styles/controls.module.css';
import { HeaderButton } from '../app-header';
import { ConfirmDialog } from '../confirm-dialog';
import styles from './block-control.module.css';

interface Props {
  peer: string;
  /** How the header names them: their display name, or their username. */
  name: string;
  blocked: boolean;
}

/** Block or unblock the person of a conversation, from its header (issue #17), after a confirmation. */
export function BlockHeaderButton({ peer, name, blocked }: Props) {
  const { session } = useSession();
  const [confirming, setConfirming] = useState(false);
  const { busy, problem, run, clearProblem } = useAction(() => t('somethingWrong'));

  function confirm() {
    return run(async () => {
      await (blocked ? session.blocks.unblock(peer) : session.blocks.block(peer));
      setConfirming(false);
    });
  }

  return (
    <>
      <HeaderButton
        icon="block"
        label={blocked ? t('unblockName', { name }) : t('blockName', { name })}
        onClick={() => {
          clearProblem();
          setConfirming(true);
        }}
      />
      {confirming && (
        <ConfirmDialog
          title={blocked ? t('unblockConfirmTitle', { name }) : t('blockConfirmTitle', { name })}
          confirmLabel={blocked ? t('unblock') : t('block')}
          danger={!blocked}
          busy={busy}
          problem={problem}
          onConfirm={() => void confirm()}
          onCancel={() => setConfirming(false)}
        >
          <p>{blocked ? t('unblockConfirmText') : t('blockConfirmText')}</p>
        </ConfirmDialog>
      )}
    </>
  );
}

/** In place of the composer, in a conversation with someone I blocked: what is going on, and the way back. */
export function BlockedNotice({ peer, name }: Omit<Props, 'blocked'>) {
  const { session } = useSession();
  const { busy, problem, run } = useAction(() => t('somethingWrong'));
  const unblock = () => run(() => session.blocks.unblock(peer));

  return (
    <div class={styles.notice} role="status">
      <p class={styles.text}>{t('youBlocked', { name })}</p>
      <button
        type="button"
        class={`${controls.tapButton} ${controls.outline}`}
        disabled={busy}
        aria-label={t('unblockName', { name })}
        onClick={() => void unblock()}
      >
        {t('unblock')}
      </button>
      {problem && (
        <p class={styles.problem} role="alert">
          {problem}
        </p>
      )}
    </div>
  );
}

/** In place of the composer when the peer deleted their account (issue #17): their messages stay, and no more go. */
export function DeletedAccountNotice({ peer }: { peer: string }) {
  return (
    <div class={styles.notice} role="status">
      <p class={styles.text}>{t('deletedAccountNotice', { name: peer })}</p>
    </div>
  );
}
