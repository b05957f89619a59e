import { createECDH, createPublicKey, hkdfSync, randomBytes, createDecipheriv, verify, type ECDH } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { Agent } from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { PushSubscriptionRequest } from '../../api/contract.js';

const TLS_DIR = path.join(import.meta.dirname, '..', 'fixtures', 'tls');
const CERT = readFileSync(path.join(TLS_DIR, 'localhost-cert.pem'));
const KEY = readFileSync(path.join(TLS_DIR, 'localhost-key.pem'));

/** An https.Agent that trusts the stand-in's test certificate: what the server under test sends pushes with. */
export const trustingAgent = (): Agent => new Agent({ ca: CERT, keepAlive: false });

/** One push the stand-in accepted, decrypted as the device would. */
export interface ReceivedPush {
  device: string;
  ttl: number;
  urgency: string | undefined;
  topic: string | undefined;
  claims: { aud: string; exp: number; sub: string };
  payload: Record<string, unknown>;
}

/** What the stand-in does with the next pushes to a device. */
export type Behaviour = { status: number; headers?: Record<string, string> } | 'black-hole';

/** A browser's side of a subscription: its P-256 key pair and auth secret, made as a browser makes them. */
export interface TestDevice {
  id: string;
  subscription: PushSubscriptionRequest;
  /** Answers for the next pushes, in order; after them, 201. */
  script: Behaviour[];
}

/**
 * A push service on 127.0.0.1, over HTTPS (web-push only speaks https), checking what a real one checks
 * (RFC 8030, 8291, 8292): a VAPID JWT signed ES256 by the key in `k`, whose `aud` is the endpoint's origin,
 * `exp` in the future and within 24 hours, `sub` a mailto: or https: URL; TTL and Urgency headers;
 * `Content-Encoding: aes128gcm` whose body decrypts with the device's private key and auth secret. A push
 * failing a check is answered 400/403 (as FCM and Mozilla do) and recorded in `problems`.
 */
export class PushServiceStandIn {
  readonly received: ReceivedPush[] = [];
  readonly problems: string[] = [];
  /** Requests that reached it, accepted or not. */
  requests = 0;
  private readonly devices = new Map<string, { device: TestDevice; ecdh: ECDH; auth: Buffer }>();
  private readonly held = new Set<import('node:http').ServerResponse>();

  private constructor(
    private readonly server: Server,
    readonly origin: string,
  ) {}

  static async start(): Promise<PushServiceStandIn> {
    const server = createServer({ cert: CERT, key: KEY });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const standIn = new PushServiceStandIn(server, `https://127.0.0.1:${(server.address() as AddressInfo).port}`);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => standIn.handle(req, Buffer.concat(chunks), res));
    });
    return standIn;
  }

  /** A new browser subscription: `PushSubscription.toJSON()` as the device would send it to Papo. */
  newDevice(): TestDevice {
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    const auth = randomBytes(16);
    const id = randomBytes(8).toString('hex');
    const device: TestDevice = {
      id,
      subscription: {
        endpoint: `${this.origin}/push/${id}`,
        expirationTime: null,
        keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: auth.toString('base64url') },
      },
      script: [],
    };
    this.devices.set(id, { device, ecdh, auth });
    return device;
  }

  pushesTo(device: TestDevice): ReceivedPush[] {
    return this.received.filter((p) => p.device === device.id);
  }

  async close(): Promise<void> {
    for (const res of this.held) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: import('node:http').IncomingMessage, body: Buffer, res: import('node:http').ServerResponse): void {
    this.requests++;
    const id = /^\/push\/([0-9a-f]+)$/.exec(req.url ?? '')?.[1];
    const known = id === undefined ? undefined : this.devices.get(id);
    if (req.method !== 'POST' || !known) {
      res.writeHead(404).end();
      return;
    }
    const next = known.device.script.shift();
    if (next === 'black-hole') {
      this.held.add(res);
      return;
    }
    const refuse = (status: number, problem: string) => {
      this.problems.push(problem);
      res.writeHead(status).end(problem);
    };
    const auth = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(req.headers.authorization ?? '');
    if (!auth?.[1] || !auth[2]) return refuse(401, `no VAPID Authorization header: ${req.headers.authorization}`);
    const claims = checkJwt(auth[1], auth[2], this.origin);
    if (typeof claims === 'string') return refuse(403, claims);
    const ttl = Number(req.headers.ttl);
    if (!/^\d+$/.test(String(req.headers.ttl ?? ''))) return refuse(400, `TTL header missing or not a number: ${req.headers.ttl}`);
    const urgency = req.headers.urgency as string | undefined;
    if (urgency !== undefined && !['very-low', 'low', 'normal', 'high'].includes(urgency)) return refuse(400, `bad Urgency: ${urgency}`);
    if (req.headers['content-encoding'] !== 'aes128gcm') return refuse(400, `Content-Encoding is ${req.headers['content-encoding']}`);
    let payload: Record<string, unknown>;
    try {
      payload = JSON.parse(decryptAes128gcm(body, known.ecdh, known.auth).toString('utf8')) as Record<string, unknown>;
    } catch (err) {
      return refuse(400, `payload does not decrypt: ${(err as Error).message}`);
    }
    if (next !== undefined && next.status !== 201) {
      res.writeHead(next.status, next.headers ?? {}).end();
      return;
    }
    this.received.push({ device: id ?? '', ttl, urgency, topic: req.headers.topic as string | undefined, claims, payload });
    res.writeHead(201, { Location: `/message/${this.received.length}` }).end();
  }
}

/** Verifies a VAPID JWT (RFC 8292 section 2): its claims, or what is wrong with it. */
function checkJwt(jwt: string, key: string, origin: string): { aud: string; exp: number; sub: string } | string {
  const [head, body, signature] = jwt.split('.');
  if (!head || !body || !signature) return 'the JWT does not have three parts';
  const header = JSON.parse(Buffer.from(head, 'base64url').toString()) as { alg?: string; typ?: string };
  if (header.alg !== 'ES256') return `JWT alg is ${header.alg}, not ES256`;
  const raw = Buffer.from(key, 'base64url');
  if (raw.length !== 65 || raw[0] !== 4) return 'k is not an uncompressed P-256 public key';
  const publicKey = createPublicKey({
    key: { kty: 'EC', crv: 'P-256', x: raw.subarray(1, 33).toString('base64url'), y: raw.subarray(33).toString('base64url') },
    format: 'jwk',
  });
  // JWS ES256 signatures are r||s (64 bytes), not DER.
  const ok = verify(
    'sha256',
    Buffer.from(`${head}.${body}`),
    { key: publicKey, dsaEncoding: 'ieee-p1363' },
    Buffer.from(signature, 'base64url'),
  );
  if (!ok) return 'the JWT signature does not verify with k';
  const claims = JSON.parse(Buffer.from(body, 'base64url').toString()) as { aud: string; exp: number; sub: string };
  if (claims.aud !== origin) return `aud is ${claims.aud}, not the endpoint's origin ${origin}`;
  const now = Math.floor(Date.now() / 1000);
  if (!(claims.exp > now && claims.exp <= now + 24 * 3600)) return `exp ${claims.exp} is not within the next 24 hours`;
  if (!/^(mailto:|https:)/.test(claims.sub ?? '')) return `sub ${claims.sub} is not a mailto: or https: URL`;
  return claims;
}

/**
 * RFC 8291 (Message Encryption for Web Push) over RFC 8188 (aes128gcm), the device's side: the header names
 * the server's one-time public key; the key and nonce come from ECDH with it, the auth secret and the salt.
 */
export function decryptAes128gcm(body: Buffer, device: ECDH, authSecret: Buffer): Buffer {
  const salt = body.subarray(0, 16);
  const recordSize = body.readUInt32BE(16);
  const idLength = body[20] ?? 0;
  const serverPublic = body.subarray(21, 21 + idLength);
  if (idLength !== 65) throw new Error(`keyid is ${idLength} bytes, not a P-256 public key`);
  const record = body.subarray(21 + idLength);
  if (record.length > recordSize) throw new Error('more than one record');
  const shared = device.computeSecret(serverPublic);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), device.getPublicKey(), serverPublic]);
  const ikm = Buffer.from(hkdfSync('sha256', shared, authSecret, keyInfo, 32));
  const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(record.subarray(record.length - 16));
  const padded = Buffer.concat([decipher.update(record.subarray(0, record.length - 16)), decipher.final()]);
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (padded[end] !== 2) throw new Error('the last record does not end with the delimiter 0x02');
  return padded.subarray(0, end);
}
