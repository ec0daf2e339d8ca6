// The traffic check: an ICMP echo from the address IPCP gave us to the gateway's tunnel address, as
// an IPv4 datagram for PPP Protocol 0x0021, and the recognition of its reply among whatever else the
// gateway sends through the tunnel (router advertisements, broadcasts, other ICMP).
import { IcmpType, IP_PROTOCOL_ICMP } from './constants.js';
import { LoginDecodeError } from './errors.js';
import { decodeIcmp, encodeIcmpEcho } from './icmp.js';
import { decodeIpv4, encodeIpv4, formatIpv4 } from './ipv4.js';

/** Time to live of the echo: it only has to reach the far end of the tunnel. */
const ECHO_TTL = 64;
/** Bytes of echo data: a recognisable text, like ping's pattern, small enough for any MRU. */
const ECHO_DATA = Buffer.from('pptp-monitor tunnel check', 'latin1');

export type EchoMatch =
  | { kind: 'reply' }
  /** An ICMP error about our echo (unreachable, time exceeded): the tunnel works, the target does not answer. */
  | { kind: 'icmp_error'; description: string }
  /** Not about our echo: ignore it. */
  | { kind: 'unrelated' };

export class TunnelEcho {
  private sequence = 0;

  constructor(
    private readonly source: Buffer,
    private readonly destination: Buffer,
    private readonly identifier: number,
  ) {}

  get target(): string {
    return formatIpv4(this.destination);
  }

  /** The next echo request datagram (a new sequence number each time). */
  nextRequest(): Buffer {
    this.sequence = (this.sequence + 1) & 0xffff;
    const icmp = encodeIcmpEcho({ type: IcmpType.EchoRequest, identifier: this.identifier, sequence: this.sequence, data: ECHO_DATA });
    return encodeIpv4({ source: this.source, destination: this.destination, protocol: IP_PROTOCOL_ICMP, ttl: ECHO_TTL, identification: this.sequence, payload: icmp });
  }

  /** Whether an IPv4 datagram from the tunnel answers one of our echoes. Never throws. */
  match(datagram: Uint8Array): EchoMatch {
    try {
      const ip = decodeIpv4(datagram);
      if (ip.protocol !== IP_PROTOCOL_ICMP || ip.isFragment || !ip.destination.equals(this.source)) return { kind: 'unrelated' };
      const icmp = decodeIcmp(ip.payload);
      if (icmp.kind === 'echo') {
        const ours = icmp.type === IcmpType.EchoReply && icmp.identifier === this.identifier && ip.source.equals(this.destination);
        return ours ? { kind: 'reply' } : { kind: 'unrelated' };
      }
      if (icmp.type === IcmpType.DestinationUnreachable || icmp.type === IcmpType.TimeExceeded) {
        // The body quotes our datagram's header after 4 unused bytes: the destination at offset 16.
        const quoted = icmp.body.subarray(4);
        if (quoted.length >= 20 && Buffer.from(quoted.subarray(16, 20)).equals(this.destination) && quoted[9] === IP_PROTOCOL_ICMP) {
          const what = icmp.type === IcmpType.DestinationUnreachable ? 'destination unreachable' : 'time exceeded';
          return { kind: 'icmp_error', description: `ICMP ${what} (code ${icmp.code}) from ${formatIpv4(ip.source)}` };
        }
      }
      return { kind: 'unrelated' };
    } catch (err) {
      if (err instanceof LoginDecodeError) return { kind: 'unrelated' };
      throw err;
    }
  }
}
