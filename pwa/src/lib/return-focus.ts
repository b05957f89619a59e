/**
 * The conversation just left, so that the list it returns to puts the focus back on its row (issue #19, item 5):
 * after Back, a keyboard or screen-reader user goes on from where they were, not from the top of the page.
 */
let leftChat: string | null = null;

export function rememberLeftChat(peer: string): void {
  leftChat = peer;
}

/** The conversation left last, once: a later visit to the list starts at the top again. */
export function takeLeftChat(): string | null {
  const peer = leftChat;
  leftChat = null;
  return peer;
}
