import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * Answers an HTTP upgrade request that nothing here serves, and closes the connection. Node
 * hands upgrade requests to 'upgrade' listeners only, so one that returns without a word leaves
 * the client (and the socket) waiting forever.
 */
export function refuseUpgrade(
  socket: Duplex,
  status = 404,
  message = 'WebSocket upgrades are served on /socket.io and /mq/ws/<queue> only',
): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const reason = STATUS_CODES[status] ?? 'Error';
  const body = JSON.stringify({
    statusCode: status,
    error: reason,
    message,
  });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\n` +
      'Connection: close\r\n' +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    () => socket.destroy(),
  );
}
