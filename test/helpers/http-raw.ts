/**
 * Raw HTTP over a TCP socket, for what normal clients refuse to send
 * (`..` paths, malformed requests, huge headers, slow headers), and a tiny
 * response parser for reading framing bytes exactly.
 */
import net from 'node:net';

/** Sends `request` bytes as written and collects everything until the server closes (or `timeoutMs`). */
export function rawRequest(
  address: string,
  request: string | Buffer,
  timeoutMs = 5000,
): Promise<{ raw: Buffer; text: string; status: number; closed: boolean }> {
  const [host, port] = splitAddress(address);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const chunks: Buffer[] = [];
    let closed = false;
    const timer = setTimeout(() => socket.destroy(), timeoutMs);
    socket.on('data', (b) => chunks.push(b));
    socket.on('end', () => {
      closed = true;
    });
    socket.on('error', (e) => {
      if (chunks.length === 0 && !closed) reject(e);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const raw = Buffer.concat(chunks);
      const text = raw.toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ raw, text, status: m ? Number(m[1]) : 0, closed: closed || raw.length === 0 });
    });
    socket.write(request);
  });
}

/** `127.0.0.1:1234` → ['127.0.0.1', 1234]. */
export function splitAddress(address: string): [string, number] {
  const i = address.lastIndexOf(':');
  return [address.slice(0, i).replace(/^\[|\]$/g, ''), Number(address.slice(i + 1))];
}

/** A GET with `Connection: close` for a raw path (nothing normalised). */
export function rawGet(
  address: string,
  path: string,
  headers: Record<string, string> = {},
): ReturnType<typeof rawRequest> {
  const lines = [
    `GET ${path} HTTP/1.1`,
    `Host: ${address}`,
    'Connection: close',
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ];
  return rawRequest(address, `${lines.join('\r\n')}\r\n\r\n`);
}
