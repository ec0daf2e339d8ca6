// The program the wire tests start inside a namespace (ip netns exec), so that its TCP sockets and
// its raw GRE socket live there. Two roles:
//   login <json LoginBatchInput>                 runs the logins, prints one JSON LoginBatchOutput line,
//                                                then must exit by itself (a timer or the GRE poll left
//                                                running would keep it alive: the test would time out)
//   peer <listen address> <behaviour file>       a hostile GRE gateway (hostile-gre-peer.ts); prints
//                                                "listening" once bound, runs until killed
// Bundled by login-runner.ts with esbuild.
import { runLoginBatch, type LoginBatchInput } from './login-batch.js';
import { startHostileGrePeer } from './hostile-gre-peer.js';

const [role, first, second] = process.argv.slice(2);
if (role === 'login' && first !== undefined) {
  const input = JSON.parse(first) as LoginBatchInput;
  const output = await runLoginBatch(input);
  process.stdout.write(`${JSON.stringify(output)}\n`);
} else if (role === 'peer' && first !== undefined && second !== undefined) {
  await startHostileGrePeer(first, second);
  process.stdout.write('listening\n');
} else {
  process.stderr.write('usage: login-runner login <json> | peer <listen address> <behaviour file>\n');
  process.exitCode = 2;
}
