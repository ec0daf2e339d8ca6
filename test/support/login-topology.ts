// Namespaces for login tests at the wire, all created by the test and always deleted: a client and a
// gateway joined by a veth pair, or (nat: true) a client, a NAT router that MASQUERADEs, and a
// gateway behind it, the way a home or office router sits between a Windows client and its VPN.
// Addresses are 10.231.x.0/24 inside these namespaces only; the host's own namespace gets none, and
// nothing routes out of them.
//
//   direct:  client 10.231.2.3 ─── 10.231.2.2 gateway
//   nat:     client 10.231.1.2 ─── 10.231.1.1 router 10.231.2.1 ─── 10.231.2.2 gateway
//
// Behind the NAT the gateway has no route to the client's subnet: it only ever sees the router's
// address, so GRE comes back to the client only if the router's conntrack maps it (the PPTP helper).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createNetns, mustRun, type Netns } from './netns.js';

const execFileAsync = promisify(execFile);

export const TOPOLOGY_GATEWAY_ADDRESS = '10.231.2.2';
export const TOPOLOGY_ROUTER_OUTSIDE_ADDRESS = '10.231.2.1';
export const TOPOLOGY_ROUTER_INSIDE_ADDRESS = '10.231.1.1';
export const TOPOLOGY_NAT_CLIENT_ADDRESS = '10.231.1.2';
export const TOPOLOGY_DIRECT_CLIENT_ADDRESS = '10.231.2.3';

/** The router's switch for error 619: the kernel's PPTP conntrack helper on TCP 1723 (no sysctl for it here). */
export const PPTP_HELPER_RULE = ['-t', 'raw', '-A', 'PREROUTING', '-p', 'tcp', '--dport', '1723', '-j', 'CT', '--helper', 'pptp'] as const;
/** The router's own firewall drops GRE addressed to it (unsolicited inbound), silently instead of answering Protocol Unreachable. */
export const ROUTER_GRE_INPUT_DROP_RULE = ['-A', 'INPUT', '-p', 'gre', '-j', 'DROP'] as const;
/** Counts the ICMP Protocol Unreachable the router sends (no verdict: only the rule's counter is read). */
export const ROUTER_PROTOCOL_UNREACHABLE_COUNTER_RULE = ['-A', 'OUTPUT', '-p', 'icmp', '--icmp-type', 'protocol-unreachable'] as const;
/** GRE dropped on its way into the gateway: our GRE never reaches it, its own still goes out. */
export const GATEWAY_GRE_INBOUND_DROP_RULE = ['-A', 'INPUT', '-p', 'gre', '-j', 'DROP'] as const;

export interface LoginTopology {
  client: Netns;
  gateway: Netns;
  /** Present with nat: true. */
  router: Netns | undefined;
  clientAddress: string;
  gatewayAddress: string;
  /** The client's interface toward the gateway (or the router), for captures. */
  clientInterface: string;
  /** The gateway's interface toward the client (or the router). */
  gatewayInterface: string;
  /** Runs iptables in one of the namespaces; throws with its stderr when it fails. */
  iptables(where: Netns, args: readonly string[]): Promise<void>;
  /** Packets counted by the first rule of a chain of the filter table. */
  ruleCount(where: Netns, chain: string): Promise<number>;
  destroy(): Promise<void>;
}

let counter = 0;

const must = mustRun;

/** Joins two namespaces with a veth pair and puts an address on each end. Interface names are unique per process and call. */
async function link(a: Netns, addressA: string, b: Netns, addressB: string): Promise<[string, string]> {
  const id = `${process.pid % 100_000}${counter++}`;
  const nameA = `lt${id}a`;
  const nameB = `lt${id}b`;
  await execFileAsync('ip', ['link', 'add', nameA, 'netns', a.name, 'type', 'veth', 'peer', 'name', nameB, 'netns', b.name]);
  await must(a, 'ip', ['addr', 'add', `${addressA}/24`, 'dev', nameA]);
  await must(b, 'ip', ['addr', 'add', `${addressB}/24`, 'dev', nameB]);
  await must(a, 'ip', ['link', 'set', nameA, 'up']);
  await must(b, 'ip', ['link', 'set', nameB, 'up']);
  return [nameA, nameB];
}

export async function createLoginTopology(label: string, options: { nat: boolean }): Promise<LoginTopology> {
  const made: Netns[] = [];
  const destroy = async (): Promise<void> => {
    for (const netns of made.reverse()) await netns.destroy();
  };
  try {
    const client = await createNetns(`${label}c`);
    made.push(client);
    const gateway = await createNetns(`${label}g`);
    made.push(gateway);
    const iptables = async (where: Netns, args: readonly string[]): Promise<void> => void (await must(where, 'iptables', args));
    const ruleCount = async (where: Netns, chain: string): Promise<number> => {
      const listing = await must(where, 'iptables', ['-L', chain, '-v', '-x', '-n']);
      const firstRule = listing.split('\n')[2]?.trim().split(/\s+/)[0];
      if (firstRule === undefined || !/^\d+$/.test(firstRule)) throw new Error(`no rule in ${chain} of ${where.name}: ${listing}`);
      return Number(firstRule);
    };
    if (!options.nat) {
      const [clientInterface, gatewayInterface] = await link(client, TOPOLOGY_DIRECT_CLIENT_ADDRESS, gateway, TOPOLOGY_GATEWAY_ADDRESS);
      return { client, gateway, router: undefined, clientAddress: TOPOLOGY_DIRECT_CLIENT_ADDRESS, gatewayAddress: TOPOLOGY_GATEWAY_ADDRESS, clientInterface, gatewayInterface, iptables, ruleCount, destroy };
    }
    const router = await createNetns(`${label}r`);
    made.push(router);
    const [clientInterface] = await link(client, TOPOLOGY_NAT_CLIENT_ADDRESS, router, TOPOLOGY_ROUTER_INSIDE_ADDRESS);
    const [routerOutside, gatewayInterface] = await link(router, TOPOLOGY_ROUTER_OUTSIDE_ADDRESS, gateway, TOPOLOGY_GATEWAY_ADDRESS);
    await must(client, 'ip', ['route', 'add', 'default', 'via', TOPOLOGY_ROUTER_INSIDE_ADDRESS]);
    // Forwarding is per namespace: this turns it on in the router only.
    await must(router, 'sysctl', ['-q', '-w', 'net.ipv4.ip_forward=1']);
    await iptables(router, ['-t', 'nat', '-A', 'POSTROUTING', '-o', routerOutside, '-j', 'MASQUERADE']);
    return { client, gateway, router, clientAddress: TOPOLOGY_NAT_CLIENT_ADDRESS, gatewayAddress: TOPOLOGY_GATEWAY_ADDRESS, clientInterface, gatewayInterface, iptables, ruleCount, destroy };
  } catch (err) {
    await destroy();
    throw err;
  }
}
