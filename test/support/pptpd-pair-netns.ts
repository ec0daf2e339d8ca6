// A keepalived-style pair of real Debian pptpd gateways, built from namespaces the test creates and
// always deletes: a prober namespace holding a bridge (the LAN), and one namespace per member joined
// to it by a veth pair. Each member runs its own pptpd on 0.0.0.0:1723 (pptpd's port is fixed: one
// namespace per instance), so it answers on its own address and on the virtual address while it holds
// it. Moving the virtual address is what keepalived does: `ip addr del` on the old MASTER, `ip addr add`
// on the new one. keepalived then sends a gratuitous ARP; iputils-arping is not installed here, so the
// prober's neighbour entry for the address is flushed instead (same effect: it asks again).
//
//   prober 10.77.0.1 (bridge) ─┬─ 10.77.0.11 member a  (+ 10.77.0.10 while MASTER)
//                              └─ 10.77.0.12 member b  (+ 10.77.0.10 while MASTER)
//
// Nothing routes out of these namespaces; the host's own namespace gets no address or link.
import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createNetns, mustRun, type Netns } from './netns.js';
import { PPTPD_BINARY } from './pptpd.js';

const execFileAsync = promisify(execFile);

export type PairMember = 'a' | 'b';
export const PAIR_PROBER_ADDRESS = '10.77.0.1';
export const PAIR_VIRTUAL_ADDRESS = '10.77.0.10';
export const PAIR_MEMBER_ADDRESSES: Readonly<Record<PairMember, string>> = { a: '10.77.0.11', b: '10.77.0.12' };
/** How long pptpd may take to start listening or to stop, in ms. */
const PPTPD_WAIT_MS = 5000;

export interface PptpdPair {
  /** Where the monitor runs. */
  prober: Netns;
  members: Readonly<Record<PairMember, Netns>>;
  /** The virtual address goes to this member (it must not be held elsewhere), and the prober forgets the old owner's MAC. */
  addVirtualAddress(member: PairMember): Promise<void>;
  /** The member no longer holds the virtual address (nothing is told to the prober, as when a MASTER dies). */
  removeVirtualAddress(member: PairMember): Promise<void>;
  /** Stops the member's pptpd and waits until nothing listens on its port 1723. */
  stopPptpd(member: PairMember): Promise<void>;
  /** Starts the member's pptpd and waits until it listens. */
  startPptpd(member: PairMember): Promise<void>;
  /** The member whose MAC the prober's neighbour table holds for the virtual address (where its probes went), if any. */
  virtualAddressSeenAt(): Promise<PairMember | undefined>;
  /** pptpd's output, per member, across its restarts. */
  pptpdOutput(member: PairMember): string;
  destroy(): Promise<void>;
}

let counter = 0;

const must = mustRun;

/** Whether something listens on port 1723 in `netns` (any address). */
async function listening(netns: Netns): Promise<boolean> {
  const { stdout } = await netns.run('ss', ['-Hltn', 'sport = :1723']);
  return stdout.includes(':1723');
}

async function waitFor(what: string, check: () => Promise<boolean>): Promise<void> {
  const until = Date.now() + PPTPD_WAIT_MS;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`${what} within ${PPTPD_WAIT_MS} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function createPptpdPair(label: string): Promise<PptpdPair> {
  const made: Netns[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'pptpd-pair-'));
  const daemons = new Map<PairMember, ChildProcess>();
  const output: Record<PairMember, string> = { a: '', b: '' };
  const interfaces = new Map<PairMember, string>();
  const destroy = async (): Promise<void> => {
    for (const child of daemons.values()) child.kill('SIGKILL');
    daemons.clear();
    // Deleting a namespace deletes its end of each veth, and with it the peer.
    for (const netns of made.reverse()) await netns.destroy();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const prober = await createNetns(`${label}p`);
    made.push(prober);
    const members = { a: await createNetns(`${label}a`), b: await createNetns(`${label}b`) };
    made.push(members.a, members.b);
    await must(prober, 'ip', ['link', 'add', 'br0', 'type', 'bridge']);
    await must(prober, 'ip', ['addr', 'add', `${PAIR_PROBER_ADDRESS}/24`, 'dev', 'br0']);
    await must(prober, 'ip', ['link', 'set', 'br0', 'up']);
    for (const member of ['a', 'b'] as const) {
      const id = `${process.pid % 100_000}${counter++}`;
      const inside = `gp${id}${member}`;
      const port = `gp${id}${member}p`;
      await execFileAsync('ip', ['link', 'add', inside, 'netns', members[member].name, 'type', 'veth', 'peer', 'name', port, 'netns', prober.name]);
      await must(prober, 'ip', ['link', 'set', port, 'master', 'br0']);
      await must(prober, 'ip', ['link', 'set', port, 'up']);
      await must(members[member], 'ip', ['addr', 'add', `${PAIR_MEMBER_ADDRESSES[member]}/24`, 'dev', inside]);
      await must(members[member], 'ip', ['link', 'set', inside, 'up']);
      interfaces.set(member, inside);
      // pptpd's own files, one set per member (pid file, config, ppp options).
      writeFileSync(join(dir, `options-${member}`), 'lock\n');
      writeFileSync(join(dir, `pptpd-${member}.conf`), `option ${join(dir, `options-${member}`)}\n`);
    }

    const startPptpd = async (member: PairMember): Promise<void> => {
      if (daemons.has(member)) throw new Error(`pptpd of member ${member} is already running`);
      // No localip/remoteip: pppd cannot start in this sandbox anyway; the control connection is what is probed.
      const child = members[member].spawn(PPTPD_BINARY, ['-f', '-c', join(dir, `pptpd-${member}.conf`), '-l', '0.0.0.0', '-p', join(dir, `pptpd-${member}.pid`)]);
      child.stdout?.on('data', (d: Buffer) => (output[member] += d.toString()));
      child.stderr?.on('data', (d: Buffer) => (output[member] += d.toString()));
      daemons.set(member, child);
      await waitFor(`pptpd of member ${member} did not listen on 0.0.0.0:1723 (it said: ${output[member].slice(-1000)})`, () => listening(members[member]));
    };
    const stopPptpd = async (member: PairMember): Promise<void> => {
      const child = daemons.get(member);
      if (child === undefined) throw new Error(`pptpd of member ${member} is not running`);
      daemons.delete(member);
      const exited = child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      await exited;
      await waitFor(`port 1723 of member ${member} still listened after pptpd stopped`, async () => !(await listening(members[member])));
    };
    await startPptpd('a');
    await startPptpd('b');

    return {
      prober,
      members,
      async addVirtualAddress(member) {
        await must(members[member], 'ip', ['addr', 'add', `${PAIR_VIRTUAL_ADDRESS}/32`, 'dev', interfaces.get(member)!]);
        // In place of keepalived's gratuitous ARP.
        await must(prober, 'ip', ['neigh', 'flush', 'to', PAIR_VIRTUAL_ADDRESS]);
      },
      async removeVirtualAddress(member) {
        await must(members[member], 'ip', ['addr', 'del', `${PAIR_VIRTUAL_ADDRESS}/32`, 'dev', interfaces.get(member)!]);
      },
      async virtualAddressSeenAt() {
        const neighbour = /lladdr ([0-9a-f:]+)/.exec(await must(prober, 'ip', ['neigh', 'show', 'to', PAIR_VIRTUAL_ADDRESS]))?.[1];
        if (neighbour === undefined) return undefined;
        for (const member of ['a', 'b'] as const) {
          const link = await must(members[member], 'ip', ['-o', 'link', 'show', 'dev', interfaces.get(member)!]);
          if (link.includes(`link/ether ${neighbour} `)) return member;
        }
        return undefined;
      },
      stopPptpd,
      startPptpd,
      pptpdOutput: (member) => output[member],
      destroy,
    };
  } catch (err) {
    await destroy();
    throw err;
  }
}
