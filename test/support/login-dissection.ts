// One capture of a login, read twice and independently: by tshark (its PPTP, enhanced GRE, PPP, LCP,
// CHAP, CCP and IPCP dissectors, and its malformed-packet flags) and by pcap-gre.ts (the GRE header
// as bytes, for the Payload Length check tshark does not make). Typed rows, so that the tests say
// what they expect of each field rather than how tshark prints it.
import { readPcapGre, type PcapGreFrame } from './pcap-gre.js';
import { fieldRows, malformedFrames } from './tshark.js';

const GRE_FIELDS = [
  'frame.number',
  'ip.src',
  'gre.key.call_id',
  'gre.key.payload_length',
  'gre.flags.sequence_number',
  'gre.flags.ack',
  'gre.sequence_number',
  'gre.ack_number',
  'ppp.protocol',
  'ppp.code',
  'lcp.opt.type',
  'lcp.opt.auth_protocol',
  'lcp.opt.algorithm',
  'chap.code',
  'chap.value_size',
  'chap.message',
  'ccp.opt.type',
  'ccp.opt.supported_bits',
  'ipcp.opt.type',
  'ipcp.opt.ip_address',
] as const;

const PPTP_FIELDS = ['frame.number', 'ip.src', 'pptp.control_message_type', 'pptp.call_id', 'pptp.peer_call_id', 'pptp.out_result'] as const;

/** One GRE frame as tshark dissected it. Numbers are undefined where tshark showed no such field. */
export interface GreRow {
  frame: number;
  source: string;
  callId: number;
  payloadLength: number;
  hasSequence: boolean;
  hasAck: boolean;
  sequence: number | undefined;
  ack: number | undefined;
  pppProtocol: number | undefined;
  /** LCP, IPCP or CCP code. */
  code: number | undefined;
  lcpOptions: number[];
  authProtocol: number | undefined;
  /** The CHAP algorithm in the Authentication-Protocol option (0x81: MS-CHAPv2). */
  chapAlgorithm: number | undefined;
  chapCode: number | undefined;
  chapValueSize: number | undefined;
  chapMessage: string | undefined;
  ccpOptions: number[];
  ccpSupportedBits: number | undefined;
  ipcpOptions: number[];
  ipcpAddress: string | undefined;
}

export interface PptpRow {
  frame: number;
  source: string;
  /** Control Message Type (7 Outgoing-Call-Request, 8 Outgoing-Call-Reply, ...). */
  type: number;
  callId: number | undefined;
  peerCallId: number | undefined;
  outResult: number | undefined;
}

export interface LoginDissection {
  /** Frames tshark flagged as malformed (`-Y _ws.malformed`). */
  malformed: number[];
  gre: GreRow[];
  pptp: PptpRow[];
  /** The same GRE frames read as bytes. */
  pcap: PcapGreFrame[];
}

const num = (cells: string[]): number | undefined => (cells[0] === undefined ? undefined : Number(cells[0]));
const flag = (cells: string[]): boolean => cells[0] === '1' || cells[0] === 'True';
const nums = (cells: string[]): number[] => cells.map(Number);

export async function dissectLogin(path: string): Promise<LoginDissection> {
  const [malformed, greRows, pptpRows] = await Promise.all([malformedFrames(path), fieldRows(path, 'gre', GRE_FIELDS), fieldRows(path, 'pptp', PPTP_FIELDS)]);
  const gre = greRows.map(
    (r): GreRow => ({
      frame: Number(r['frame.number'][0]),
      source: r['ip.src'][0] ?? '',
      callId: Number(r['gre.key.call_id'][0]),
      payloadLength: Number(r['gre.key.payload_length'][0]),
      hasSequence: flag(r['gre.flags.sequence_number']),
      hasAck: flag(r['gre.flags.ack']),
      sequence: num(r['gre.sequence_number']),
      ack: num(r['gre.ack_number']),
      pppProtocol: num(r['ppp.protocol']),
      code: num(r['ppp.code']),
      lcpOptions: nums(r['lcp.opt.type']),
      authProtocol: num(r['lcp.opt.auth_protocol']),
      chapAlgorithm: num(r['lcp.opt.algorithm']),
      chapCode: num(r['chap.code']),
      chapValueSize: num(r['chap.value_size']),
      chapMessage: r['chap.message'][0],
      ccpOptions: nums(r['ccp.opt.type']),
      ccpSupportedBits: num(r['ccp.opt.supported_bits']),
      ipcpOptions: nums(r['ipcp.opt.type']),
      ipcpAddress: r['ipcp.opt.ip_address'][0],
    }),
  );
  const pptp = pptpRows.map(
    (r): PptpRow => ({
      frame: Number(r['frame.number'][0]),
      source: r['ip.src'][0] ?? '',
      type: Number(r['pptp.control_message_type'][0]),
      callId: num(r['pptp.call_id']),
      peerCallId: num(r['pptp.peer_call_id']),
      outResult: num(r['pptp.out_result']),
    }),
  );
  return { malformed, gre, pptp, pcap: readPcapGre(path) };
}
