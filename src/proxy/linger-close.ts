import type { Socket } from 'node:net';

/**
 * Close a connection whose agent may still be sending (pipelined requests, a body)
 * without a reset: read nothing more, send what is owed and a FIN, and give the agent a
 * second to read it before the socket is torn down (a close with unread input sends
 * RST, and the agent's kernel then drops the answer it had not read yet). A peer that
 * never reads is left to the idle timeout, like any other.
 */
export function lingerClose(socket: Socket): void {
  socket.pause();
  if (!socket.writableEnded) socket.end();
  const later = (): void => {
    const timer = setTimeout(() => socket.destroy(), 1000);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  };
  if (socket.writableFinished) later();
  else socket.once('finish', later);
}
