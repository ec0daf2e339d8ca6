// A minimal, fast PPTP responder for benchmarks: answers SCCRQ, Echo and Stop on a range of loopback
// ports. It runs as its own process so that its CPU is not counted against the prober.
import { createServer, type Server } from 'node:net';
import { ControlMessageType as T, PptpFramer, encodeMessage } from '../shared/probers/pptp/index.js';

const [first, last] = (process.argv[2] ?? '20000-20009').split('-').map(Number) as [number, number];
// Optional second range: ports that accept and then never say a word (deadline benchmarks).
const [silentFirst, silentLast] = (process.argv[3] ?? '1-0').split('-').map(Number) as [number, number];
const host = '127.0.0.1';

const sccrp = encodeMessage({
  type: T.StartControlConnectionReply,
  protocolVersion: 0x0100,
  resultCode: 1,
  errorCode: 0,
  framingCapabilities: 3,
  bearerCapabilities: 3,
  maxChannels: 64,
  firmwareRevision: 1,
  hostname: 'bench-responder',
  vendor: 'pptp-monitor-bench',
});
const stopReply = encodeMessage({ type: T.StopControlConnectionReply, resultCode: 1, errorCode: 0 });

const servers: Server[] = [];
let listening = 0;
for (let port = first; port <= last; port++) {
  const server = createServer({ noDelay: true }, (socket) => {
    const framer = new PptpFramer();
    socket.on('error', () => undefined);
    socket.on('data', (chunk) => {
      try {
        framer.push(chunk, (m) => {
          if (m.type === T.StartControlConnectionRequest) socket.write(sccrp);
          else if (m.type === T.EchoRequest) socket.write(encodeMessage({ type: T.EchoReply, identifier: m.identifier, resultCode: 1, errorCode: 0 }));
          else if (m.type === T.StopControlConnectionRequest) socket.end(stopReply);
        });
      } catch {
        socket.destroy();
      }
    });
  });
  server.listen(port, host, ready);
  servers.push(server);
}
const silentSockets = new Set<import('node:net').Socket>();
for (let port = silentFirst; port <= silentLast; port++) {
  const server = createServer((socket) => {
    silentSockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => silentSockets.delete(socket));
  });
  server.listen(port, host, ready);
  servers.push(server);
}
function ready(): void {
  if (++listening === last - first + 1 + Math.max(0, silentLast - silentFirst + 1)) process.stdout.write('ready\n');
}
process.on('SIGTERM', () => process.exit(0));
