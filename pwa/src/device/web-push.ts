import type { PushSubscriptionRequest } from '../../../api/contract';
import { pushApi } from '../api/push-api';

/** Where this browser stands with notifications when the app is closed (issue #17). */
export type PushState =
  /** No Push API here (an old browser, or HTTP instead of HTTPS). */
  | 'unsupported'
  /** iPhone or iPad in Safari: push works only once Papo is added to the Home Screen (iOS 16.4 and later). */
  | 'needs-home-screen'
  /** The person said no: only the browser's own site settings can undo it. */
  | 'denied'
  | 'off'
  | 'on';

function isAppleMobile(): boolean {
  return /iPhone|iPad|iPod/.test(navigator.userAgent) || (navigator.platform === 'MacIntel' && navigator.maxTouchPoints > 1);
}

function isStandalone(): boolean {
  return window.matchMedia?.('(display-mode: standalone)').matches === true || (navigator as { standalone?: boolean }).standalone === true;
}

async function registration(): Promise<ServiceWorkerRegistration | undefined> {
  if (!('serviceWorker' in navigator)) return undefined;
  return (await navigator.serviceWorker.getRegistration()) ?? undefined;
}

export async function pushState(): Promise<PushState> {
  const supported = 'PushManager' in window && 'serviceWorker' in navigator && typeof Notification !== 'undefined';
  if (!supported) return isAppleMobile() && !isStandalone() ? 'needs-home-screen' : 'unsupported';
  if (Notification.permission === 'denied') return 'denied';
  const reg = await registration();
  const sub = await reg?.pushManager.getSubscription();
  return Notification.permission === 'granted' && sub ? 'on' : 'off';
}

/**
 * Turns push on: asks for permission (call it straight from a tap: iOS only asks inside one, and a prompt no one
 * asked for is hostile), subscribes with the server's key and gives the server the subscription.
 */
export async function turnPushOn(): Promise<PushState> {
  const permission = await Notification.requestPermission();
  if (permission !== 'granted') return permission === 'denied' ? 'denied' : 'off';
  await subscribeGranted();
  return 'on';
}

/** Subscribes once permission is granted (also after the first-message prompt of issue #3). */
export async function subscribeGranted(): Promise<void> {
  const reg = await navigator.serviceWorker.ready;
  const { publicKey } = await pushApi.key();
  const sub = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: bytes(publicKey) });
  await pushApi.subscribe(asRequest(sub));
}

export async function turnPushOff(): Promise<PushState> {
  await pushApi.unsubscribe();
  const sub = await (await registration())?.pushManager.getSubscription();
  await sub?.unsubscribe();
  return 'off';
}

/**
 * At each start (logged in): a browser that has a subscription gives it to the server again, so a new login, a
 * subscription the server lost, or a new server key (the old subscription is then replaced) all mend themselves.
 */
export async function renewPushSubscription(): Promise<void> {
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
  const reg = await registration();
  let sub = await reg?.pushManager.getSubscription();
  if (!reg || !sub) return;
  const { publicKey } = await pushApi.key();
  const current = sub.options.applicationServerKey;
  if (current && !sameBytes(new Uint8Array(current), bytes(publicKey))) {
    await sub.unsubscribe();
    sub = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: bytes(publicKey) });
  }
  await pushApi.subscribe(asRequest(sub));
}

function asRequest(sub: PushSubscription): PushSubscriptionRequest {
  const json = sub.toJSON();
  return { endpoint: json.endpoint ?? sub.endpoint, keys: { p256dh: json.keys?.p256dh ?? '', auth: json.keys?.auth ?? '' } };
}

function bytes(base64url: string): Uint8Array<ArrayBuffer> {
  const text = atob(base64url.replace(/-/g, '+').replace(/_/g, '/'));
  const out = new Uint8Array(new ArrayBuffer(text.length));
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
