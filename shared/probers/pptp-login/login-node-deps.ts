// The edge for a login: Node's clock, timers and TCP sockets (the control probe's), the process's
// one raw GRE socket, and crypto-grade random bytes. Opening the raw socket is what can fail here
// (GreTransportError 'permission_denied' without CAP_NET_RAW), so it happens when these deps are
// built, before any packet is sent.
import { randomBytes } from 'node:crypto';
import { nodeClock, nodeConnect, nodeTimers } from '../../probe/node-deps.js';
import { sharedRawGreTransport } from './gre-transport-raw.js';
import type { LoginDeps } from './login-types.js';

export function nodeLoginDeps(signal?: AbortSignal): LoginDeps {
  const deps: LoginDeps = { clock: nodeClock, timers: nodeTimers, connect: nodeConnect, gre: sharedRawGreTransport(), randomBytes: (count) => randomBytes(count) };
  if (signal) deps.signal = signal;
  return deps;
}
