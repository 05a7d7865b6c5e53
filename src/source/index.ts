export { SseSubscription } from './sse-client.js';
export type { RawEvent, SseSubscriptionOptions, SubscriptionState } from './types.js';
