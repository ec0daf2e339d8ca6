// Typed builders and readers for the configuration options the login negotiates: LCP (RFC 1661
// §6, RFC 1662 §7.1, RFC 1994 §3, RFC 2759 §2), IPCP (RFC 1332 §3.3, RFC 1877 §1) and CCP's MPPE
// option (RFC 3078 §2). Readers check the option's fixed length and throw LoginDecodeError
// ('option_bad_length'); policies turn that into a Nak or a Reject.
import { ChapAlgorithm, CCP_OPTION_MPPE, IpcpOption, LcpOption, PppProtocol } from './constants.js';
import type { ConfigOption } from './control-packet.js';
import { LoginDecodeError } from './errors.js';

function requireDataBytes(option: ConfigOption, bytes: number, name: string): Buffer {
  if (option.data.length !== bytes) {
    throw new LoginDecodeError('option_bad_length', `${name} option carries ${option.data.length} data bytes, not ${bytes}`);
  }
  return Buffer.from(option.data);
}

function u16Option(type: number, value: number): ConfigOption {
  const data = Buffer.alloc(2);
  data.writeUInt16BE(value & 0xffff, 0);
  return { type, data };
}

function u32Option(type: number, value: number): ConfigOption {
  const data = Buffer.alloc(4);
  data.writeUInt32BE(value >>> 0, 0);
  return { type, data };
}

// ---- LCP ----

export const mruOption = (mruBytes: number): ConfigOption => u16Option(LcpOption.Mru, mruBytes);
export const readMru = (option: ConfigOption): number => requireDataBytes(option, 2, 'MRU').readUInt16BE(0);

export const accmOption = (accm: number): ConfigOption => u32Option(LcpOption.Accm, accm);
export const readAccm = (option: ConfigOption): number => requireDataBytes(option, 4, 'ACCM').readUInt32BE(0);

export const magicNumberOption = (magic: number): ConfigOption => u32Option(LcpOption.MagicNumber, magic);
export const readMagicNumber = (option: ConfigOption): number => requireDataBytes(option, 4, 'Magic-Number').readUInt32BE(0);

export const pfcOption = (): ConfigOption => ({ type: LcpOption.ProtocolFieldCompression, data: new Uint8Array(0) });
export const acfcOption = (): ConfigOption => ({ type: LcpOption.AddressControlFieldCompression, data: new Uint8Array(0) });

/** The authentication a gateway can ask the probe for, as LCP names it. */
export type AuthMethod = 'mschapv2' | 'chap-md5' | 'pap';

/** What an Authentication-Protocol option asks for: a method we know, or the raw protocol and data. */
export type AuthRequest = { method: AuthMethod } | { method: 'other'; protocol: number; data: Buffer };

export function authProtocolOption(method: AuthMethod): ConfigOption {
  if (method === 'pap') return u16Option(LcpOption.AuthProtocol, PppProtocol.Pap);
  const data = Buffer.alloc(3);
  data.writeUInt16BE(PppProtocol.Chap, 0);
  data[2] = method === 'mschapv2' ? ChapAlgorithm.MsChapV2 : ChapAlgorithm.Md5;
  return { type: LcpOption.AuthProtocol, data };
}

/** Reads an Authentication-Protocol option (length >= 4, RFC 1661 §6.2). */
export function readAuthProtocol(option: ConfigOption): AuthRequest {
  if (option.data.length < 2) throw new LoginDecodeError('option_bad_length', 'Authentication-Protocol option without a protocol');
  const data = Buffer.from(option.data);
  const protocol = data.readUInt16BE(0);
  if (protocol === PppProtocol.Pap && data.length === 2) return { method: 'pap' };
  if (protocol === PppProtocol.Chap && data.length === 3) {
    if (data[2] === ChapAlgorithm.MsChapV2) return { method: 'mschapv2' };
    if (data[2] === ChapAlgorithm.Md5) return { method: 'chap-md5' };
  }
  return { method: 'other', protocol, data };
}

// ---- IPCP ----

/** An IPv4 address as four bytes, the form IPCP carries it in. */
export type Ipv4Bytes = Buffer;

export const ipAddressOption = (type: number, address: Uint8Array): ConfigOption => ({ type, data: Buffer.from(address) });
export const readIpAddress = (option: ConfigOption): Ipv4Bytes => requireDataBytes(option, 4, `IPCP ${option.type}`);
export const isZeroAddress = (address: Uint8Array): boolean => address.every((b) => b === 0);

/** The address options that all share IP-Address's format (RFC 1877 §1). */
export const IPCP_ADDRESS_OPTIONS: ReadonlySet<number> = new Set([
  IpcpOption.IpAddress,
  IpcpOption.PrimaryDns,
  IpcpOption.PrimaryNbns,
  IpcpOption.SecondaryDns,
  IpcpOption.SecondaryNbns,
]);

// ---- CCP ----

export const mppeOption = (supportedBits: number): ConfigOption => u32Option(CCP_OPTION_MPPE, supportedBits);
export const readMppeBits = (option: ConfigOption): number => requireDataBytes(option, 4, 'MPPE').readUInt32BE(0);
