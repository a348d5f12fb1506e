/** Listener kind → implementation. */
import type { ListenerDef } from '../config/index.js';
import { HttpListener } from '../http/listener.js';
import { AdminListener } from '../admin/listener.js';
import { TcpListener } from '../stream/tcp-listener.js';
import { UdpListener } from '../stream/udp-listener.js';
import type { Listener, ListenerFactory } from './listener.js';

export const LISTENER_KINDS: Record<ListenerDef['kind'], ListenerFactory> = {
  http: (def, services) => new HttpListener(def as Extract<ListenerDef, { kind: 'http' }>, services) as Listener,
  tcp: (def, services) => new TcpListener(def as Extract<ListenerDef, { kind: 'tcp' | 'udp' }>, services),
  udp: (def, services) => new UdpListener(def as Extract<ListenerDef, { kind: 'tcp' | 'udp' }>, services),
  admin: (def, services) => new AdminListener(def as Extract<ListenerDef, { kind: 'admin' }>, services),
};
