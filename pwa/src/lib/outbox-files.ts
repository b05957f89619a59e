import type { OutboxFile } from '../chat/chat-cache';

/**
 * A picked, pasted or photographed file as the outbox keeps it (issue #18): the Blob itself (IndexedDB stores
 * it), and for a picture its size in pixels, upright as the browser shows it, so its bubble reserves the space
 * before anything is uploaded. A picture the browser cannot decode goes without: the server measures it.
 */
export async function toOutboxFile(file: File): Promise<OutboxFile> {
  const out: OutboxFile = { blob: file, name: file.name || 'file', type: file.type, size: file.size };
  if (!file.type.startsWith('image/')) return out;
  try {
    const bitmap = await createImageBitmap(file);
    out.width = bitmap.width;
    out.height = bitmap.height;
    bitmap.close();
  } catch {
    // Not a picture this browser reads: no space reserved.
  }
  return out;
}

/** A pasted picture has no name worth showing ("image.png"): one from the time it was pasted. */
export function namePasted(file: File): File {
  const extension = file.type.split('/')[1]?.replace('jpeg', 'jpg') ?? 'png';
  const stamp = new Date().toISOString().slice(0, 19).replace(/[-:T]/g, '');
  return new File([file], `pasted-${stamp}.${extension}`, { type: file.type });
}
