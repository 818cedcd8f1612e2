// The Git webhook receiver: what the controller starts, and the signing helpers for senders.
export {
  defaultBurst,
  defaultMaxBodyBytes,
  defaultRatePerMinute,
  startWebhookReceiver,
  WebhookReply,
  type WebhookReceiver,
  type WebhookReceiverOptions,
  type WebhookTargets,
} from './receiver.js';
export { hookPath, parseHookPath, type HookTarget } from './route.js';
export {
  genericSignatureHeader,
  githubSignatureHeader,
  signPayload,
  verifyPayloadSignature,
  type SignatureCheck,
} from './signature.js';
