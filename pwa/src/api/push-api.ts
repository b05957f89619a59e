import type { PushKeyResponse, PushSubscriptionRequest } from '../../../api/contract';
import { request } from './client';

/** Web Push's three calls (issue #17), beside the main client so features built side by side touch different files. */
export const pushApi = {
  key: () => request<PushKeyResponse>('GET', '/api/push/key'),
  subscribe: (subscription: PushSubscriptionRequest) => request<void>('PUT', '/api/push/subscription', subscription),
  unsubscribe: () => request<void>('DELETE', '/api/push/subscription'),
};
