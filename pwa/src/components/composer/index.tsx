import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { locale, t } from '../../lib/i18n';
import controls from '../../styles/controls.module.css';
import { namePasted } from '../../lib/outbox-files';
import { AttachmentPicker } from '../attachment-picker';
import { Icon } from '../icon';
import styles from './composer.module.css';

/** The server's limit on a message (openapi.yaml, SendRequest.content), counted as it counts: code points. */
export const MAX_MESSAGE_CHARACTERS = 4000;
/** From here on the field shows how many characters are left: the limit is said before it is met. */
const COUNTER_FROM = 3500;

interface Props {
  label: string;
  /** Focus the field on open where there is a mouse and keyboard; on phones that would pop the keyboard up. */
  autoFocus?: boolean;
  /** Resolves to a problem to show (and the text stays), or null (and the field clears). */
  onSubmit: (text: string) => Promise<string | null>;
  /** Called on each edit that leaves text in the field: "typing…" for the peer (issue #19, item 10). */
  onTyping?: () => void;
  /** Sends text with files (issue #18); without it the composer takes no files. */
  onSubmitFiles?: (text: string, files: File[]) => Promise<string | null>;
  /** Shown above the field: the message being answered or edited (issue #18). */
  context?: ComponentChildren;
  /** Puts `text` in the field whenever `key` changes (the text of a message to edit), and focuses it. */
  draft?: { text: string; key: number };
}

/** A picked file and the preview shown before sending (an object URL for pictures). */
interface Picked {
  file: File;
  preview: string | null;
}

/** The message field: Enter sends, Shift+Enter breaks the line; commands (`/msg`, `/history`, `/sair`) go here too. */
export function Composer({ label, onSubmit, onSubmitFiles, onTyping, autoFocus = false, context, draft }: Props) {
  const [text, setText] = useState('');
  const [picked, setPicked] = useState<Picked[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const field = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    if (!draft) return;
    setText(draft.text);
    field.current?.focus();
  }, [draft]);

  useEffect(() => {
    if (autoFocus && matchMedia('(pointer: fine)').matches) field.current?.focus();
  }, [autoFocus]);

  const addFiles = (files: File[]) =>
    setPicked((now) => [
      ...now,
      ...files.map((file) => ({ file, preview: file.type.startsWith('image/') ? URL.createObjectURL(file) : null })),
    ]);
  const removeFile = (gone: Picked) => {
    if (gone.preview) URL.revokeObjectURL(gone.preview);
    setPicked((now) => now.filter((p) => p !== gone));
  };

  async function submitFiles() {
    if (!onSubmitFiles) return;
    const sent = { text, picked };
    setText('');
    setPicked([]);
    const refusal = await onSubmitFiles(
      sent.text,
      sent.picked.map((p) => p.file),
    );
    setProblem(refusal);
    if (refusal) {
      setText(sent.text);
      setPicked(sent.picked);
    } else for (const p of sent.picked) if (p.preview) URL.revokeObjectURL(p.preview);
  }

  function onPaste(event: ClipboardEvent) {
    if (!onSubmitFiles) return;
    const images = [...(event.clipboardData?.files ?? [])].filter((f) => f.type.startsWith('image/'));
    if (images.length === 0) return;
    event.preventDefault();
    addFiles(images.map(namePasted));
  }

  // Never cut what the person wrote (issue #19, item 3): a text over the limit stays whole, and Send says why
  // it cannot go rather than the field dropping the rest of a paste.
  const length = [...text].length;
  const over = length - MAX_MESSAGE_CHARACTERS;
  const tooLong = over > 0;
  const counter =
    length >= COUNTER_FROM
      ? t('characterCount', { n: length.toLocaleString(locale), max: MAX_MESSAGE_CHARACTERS.toLocaleString(locale) })
      : null;

  async function submit() {
    if (tooLong) return;
    if (picked.length > 0) return submitFiles();
    if (!text.trim()) return;
    const sent = text;
    // Cleared at once so typing can go on; restored if the command was refused.
    setText('');
    const refusal = await onSubmit(sent);
    setProblem(refusal);
    if (refusal) setText(sent);
  }

  function onKeyDown(event: KeyboardEvent) {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      void submit();
    }
  }

  return (
    <form
      class={styles.composer}
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      {problem && (
        <p class={styles.problem} role="alert" id="composer-problem">
          {problem}
        </p>
      )}
      {context}
      {tooLong && (
        <p class={styles.problem} role="alert" id="composer-too-long">
          {t('messageTooLong', { over: over.toLocaleString(locale), max: MAX_MESSAGE_CHARACTERS.toLocaleString(locale) })}
        </p>
      )}
      {picked.length > 0 && (
        <ul class={styles.picked} aria-label={t('attachmentsToSend')}>
          {picked.map((p) => (
            <li key={p.preview ?? p.file.name} class={styles.pickedItem}>
              {p.preview ? (
                <img class={styles.pickedImage} src={p.preview} alt={p.file.name} />
              ) : (
                <span class={styles.pickedName}>{p.file.name}</span>
              )}
              <button
                type="button"
                class={styles.unpick}
                aria-label={t('removeAttachment', { name: p.file.name })}
                onClick={() => removeFile(p)}
              >
                <Icon name="close" size={16} />
              </button>
            </li>
          ))}
        </ul>
      )}
      <div class={styles.row}>
        {onSubmitFiles && <AttachmentPicker onPick={addFiles} />}
        <textarea
          ref={field}
          class={styles.field}
          rows={1}
          value={text}
          placeholder={t('messagePlaceholder')}
          aria-label={label}
          aria-describedby={
            [problem ? 'composer-problem' : '', tooLong ? 'composer-too-long' : '', counter ? 'composer-counter' : ''].join(' ').trim() ||
            undefined
          }
          aria-invalid={tooLong || undefined}
          enterkeyhint="send"
          onInput={(event) => {
            setText(event.currentTarget.value);
            if (problem) setProblem(null);
            if (event.currentTarget.value.trim() !== '' && !event.currentTarget.value.startsWith('/')) onTyping?.();
          }}
          onKeyDown={onKeyDown}
          onPaste={onPaste}
        />
        <button
          type="submit"
          disabled={tooLong}
          aria-describedby={tooLong ? 'composer-too-long' : undefined}
          class={`${controls.circle48} ${controls.accentFill}`}
          aria-label={t('send')}
          title={t('send')}
          // Keeps the focus (and the phone's keyboard) in the field after tapping Send.
          onPointerDown={(event) => event.preventDefault()}
        >
          <Icon name="send" />
        </button>
      </div>
      {counter && (
        <p class={`${styles.counter} ${tooLong ? styles.counterOver : ''}`} id="composer-counter" aria-live="polite">
          {counter}
        </p>
      )}
    </form>
  );
}
