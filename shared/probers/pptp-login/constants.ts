// Wire constants of the protocols a PPTP login speaks, each with the RFC section that defines it.
// Sizes are in bytes, times in milliseconds; a name says which unit it carries.

/** PPP Protocol field values (RFC 1661 §2; RFC 1332 §2, RFC 1962 §2, RFC 1994 §4, RFC 1334 §2.2, RFC 3078 §3). */
export const PppProtocol = {
  Ip: 0x0021,
  /** Compressed datagram: with MPPE negotiated, every encrypted packet (RFC 1962 §2.1, RFC 3078 §3). */
  CompressedDatagram: 0x00fd,
  Ipcp: 0x8021,
  Ccp: 0x80fd,
  Lcp: 0xc021,
  Pap: 0xc023,
  Chap: 0xc223,
} as const;

/** HDLC All-Stations address and Unnumbered-Information control octets (RFC 1662 §3.1). */
export const PPP_ADDRESS = 0xff;
export const PPP_CONTROL = 0x03;

/** Control packet codes shared by LCP, IPCP and CCP (RFC 1661 §5; CCP adds 14 and 15, RFC 1962 §2). */
export const ControlCode = {
  ConfigureRequest: 1,
  ConfigureAck: 2,
  ConfigureNak: 3,
  ConfigureReject: 4,
  TerminateRequest: 5,
  TerminateAck: 6,
  CodeReject: 7,
  ProtocolReject: 8,
  EchoRequest: 9,
  EchoReply: 10,
  DiscardRequest: 11,
  ResetRequest: 14,
  ResetAck: 15,
} as const;

/** Bytes of Code, Identifier and Length in every control, CHAP and PAP packet (RFC 1661 §5). */
export const CONTROL_HEADER_BYTES = 4;
/** Bytes of Type and Length in every configuration option (RFC 1661 §6). */
export const OPTION_HEADER_BYTES = 2;

/** LCP configuration option types (RFC 1661 §6, RFC 1662 §7.1). */
export const LcpOption = {
  Mru: 1,
  Accm: 2,
  AuthProtocol: 3,
  QualityProtocol: 4,
  MagicNumber: 5,
  ProtocolFieldCompression: 7,
  AddressControlFieldCompression: 8,
} as const;

/** CHAP Algorithm octet of the Authentication-Protocol option (RFC 1994 §3, RFC 2759 §2). */
export const ChapAlgorithm = { Md5: 0x05, MsChapV2: 0x81 } as const;

/** The MRU every PPP implementation must accept and the default when none is negotiated (RFC 1661 §6.1). */
export const DEFAULT_MRU_BYTES = 1500;

/** IPCP configuration option types (RFC 1332 §3, RFC 1877 §1). */
export const IpcpOption = {
  IpAddresses: 1,
  IpCompressionProtocol: 2,
  IpAddress: 3,
  PrimaryDns: 129,
  PrimaryNbns: 130,
  SecondaryDns: 131,
  SecondaryNbns: 132,
} as const;

/** CCP option type of MPPE (RFC 3078 §2). */
export const CCP_OPTION_MPPE = 18;

/**
 * MPPE Supported Bits (RFC 3078 §2), as one 32-bit value, most significant octet first on the wire.
 * H is 0x01 in the most significant octet; C, D, L, S, M are in the least significant one.
 */
export const MppeBit = {
  Stateless: 0x01000000,
  Bits56: 0x80,
  Bits128: 0x40,
  Bits40: 0x20,
  ObsoleteD: 0x10,
  Mppc: 0x01,
} as const;
/** Every bit RFC 3078 defines; the rest are reserved and MUST be 0. */
export const MPPE_KNOWN_BITS = 0x010000f1;

/** MPPE packet header bits (RFC 3078 §3.1): A = flushed, D = encrypted; B and C mean nothing to MPPE. */
export const MppeHeaderBit = { Flushed: 0x8000, B: 0x4000, C: 0x2000, Encrypted: 0x1000 } as const;
/** The 12-bit coherency count wraps from 4095 to 0 (RFC 3078 §3.1). */
export const MPPE_CCOUNT_SPACE = 4096;
/** Bytes of the MPPE header (flag bits and coherency count) that precede the encrypted data. */
export const MPPE_HEADER_BYTES = 2;
/** Bytes of a 128-bit session key. */
export const MPPE_KEY_128_BYTES = 16;

/** CHAP codes (RFC 1994 §4). */
export const ChapCode = { Challenge: 1, Response: 2, Success: 3, Failure: 4 } as const;
/** PAP codes (RFC 1334 §2.2). */
export const PapCode = { AuthenticateRequest: 1, AuthenticateAck: 2, AuthenticateNak: 3 } as const;

/** Enhanced GRE (RFC 2637 §4.1). */
export const GRE_PROTOCOL_PPP = 0x880b;
export const GRE_VERSION_ENHANCED = 1;
/** IP protocol number of GRE: what a raw socket for the tunnel is opened with. */
export const IP_PROTOCOL_GRE = 47;
/** Bytes of the GRE header without the optional sequence and acknowledgment numbers. */
export const GRE_BASE_HEADER_BYTES = 8;

/** IPv4 and ICMP (RFC 791, RFC 792). */
export const IP_PROTOCOL_ICMP = 1;
export const IPV4_MIN_HEADER_BYTES = 20;
export const ICMP_HEADER_BYTES = 8;
export const IcmpType = { EchoReply: 0, DestinationUnreachable: 3, EchoRequest: 8, TimeExceeded: 11 } as const;

/** Option negotiation defaults (RFC 1661 §4.6). */
export const DEFAULT_RESTART_MS = 3000;
export const DEFAULT_MAX_CONFIGURE = 10;
export const DEFAULT_MAX_TERMINATE = 2;
export const DEFAULT_MAX_FAILURE = 5;
