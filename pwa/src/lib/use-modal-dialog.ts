import { useEffect, useRef } from 'preact/hooks';

/**
 * A <dialog> shown as a modal once mounted (the browser keeps the focus inside it, Escape closes it, and the
 * focus goes back to what opened it), and closed when unmounted. Pass the ref to the <dialog>.
 */
export function useModalDialog() {
  const dialog = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal();
    return () => element?.close();
  }, []);

  return dialog;
}
