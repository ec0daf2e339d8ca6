// The edge: real sockets, DNS, clock and timers from Node. Everything else in shared/probe is pure.
import { lookup } from 'node:dns/promises';
import { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Clock, ProbeDeps, Resolver, SocketFactory, Timers } from './deps.js';

export const nodeClock: Clock = { now: () => performance.now() };

// Not unref'd: the CLI awaits probes with nothing else keeping the process alive during a backoff.
// Every timer is cleared by the probe that set it.
export const nodeTimers: Timers = {
  set: (delayMs, fn) => setTimeout(fn, delayMs),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

const ignore = (): void => {};

export const nodeConnect: SocketFactory = (request, handlers) => {
  const socket = new Socket();
  socket.setNoDelay(true);
  socket.on('connect', handlers.onConnect);
  socket.on('data', handlers.onData);
  socket.on('end', handlers.onEnd);
  socket.on('error', handlers.onError);
  socket.connect({ host: request.address, port: request.port, family: request.family });
  return {
    write: (bytes) => {
      socket.write(bytes);
    },
    destroy: () => {
      socket.removeAllListeners();
      socket.on('error', ignore);
      socket.destroy();
    },
    localPort: () => socket.localPort,
  };
};

export const nodeResolve: Resolver = async (host, _signal, wanted) => {
  const { address, family } = await lookup(host, wanted === undefined ? {} : { family: wanted });
  return { address, family: family === 6 ? 6 : 4 };
};

export function nodeProbeDeps(signal?: AbortSignal): ProbeDeps {
  const deps: ProbeDeps = { clock: nodeClock, timers: nodeTimers, connect: nodeConnect, resolve: nodeResolve };
  if (signal) deps.signal = signal;
  return deps;
}
