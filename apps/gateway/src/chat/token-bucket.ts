// Shared with the line door (same per-connection budget): it lives in the chat domain library.
export { TokenBucket } from '@app/chat';
