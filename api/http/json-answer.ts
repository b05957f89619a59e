import type { ServerResponse } from 'node:http';

/**
 * Writes a whole JSON answer in one `writeHead`: `headers` (a flat list, name, value, name, value...) and the
 * body's type and length. What Express's `res.status(status).json(body)` writes, with the app's settings (no
 * ETag, no spaces); the fast path has no Express response to call it on, and the one error answer
 * (error-handler.ts) uses it on both, so the two cannot answer an error differently.
 */
export function writeJson(res: ServerResponse, status: number, body: unknown, headers: readonly string[] = []): void {
  const json = JSON.stringify(body);
  res.writeHead(status, [...headers, 'Content-Type', 'application/json; charset=utf-8', 'Content-Length', String(Buffer.byteLength(json))]);
  res.end(json);
}
