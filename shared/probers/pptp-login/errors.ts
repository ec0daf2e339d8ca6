// Typed errors of the login building blocks. Decoders take untrusted bytes from the gateway and throw
// only LoginDecodeError; encoders throw LoginEncodeError when asked to put a value on the wire that
// the wire cannot carry (a 300-byte PAP password, a protocol MPPE does not encrypt). A probe maps a
// decode error to `protocol_error` and keeps the code; an encode error is a bug or a bad config.

export type LoginDecodeErrorCode =
  | 'truncated'
  /** A packet of a kind the caller did not ask to decode (a PAP Request where a reply was expected). */
  | 'unexpected_code'
  // enhanced GRE (RFC 2637 §4.1)
  | 'gre_bad_version'
  | 'gre_bad_protocol'
  | 'gre_key_missing'
  | 'gre_reserved_bits'
  | 'gre_payload_length_mismatch'
  | 'gre_payload_without_sequence'
  | 'gre_empty'
  // PPP encapsulation (RFC 1661 §2, RFC 1662 §3.1)
  | 'ppp_bad_address_control'
  // control packets and options (RFC 1661 §5, §6)
  | 'control_length_below_header'
  | 'control_length_above_packet'
  | 'option_length_invalid'
  | 'option_overrun'
  | 'option_bad_length'
  // CHAP and PAP (RFC 1994 §4, RFC 1334 §2.2)
  | 'chap_value_overrun'
  | 'pap_field_overrun'
  // IPv4 and ICMP (RFC 791, RFC 792)
  | 'ipv4_bad_version'
  | 'ipv4_bad_header_length'
  | 'ipv4_bad_total_length'
  | 'ipv4_bad_checksum'
  | 'icmp_bad_checksum'
  // MPPE (RFC 3078 §3.1, §8.1)
  | 'mppe_not_encrypted'
  | 'mppe_not_flushed'
  | 'mppe_late_packet'
  | 'mppe_bad_protocol';

export class LoginDecodeError extends Error {
  override readonly name = 'LoginDecodeError';
  readonly code: LoginDecodeErrorCode;

  constructor(code: LoginDecodeErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export type LoginEncodeErrorCode = 'field_too_long' | 'value_out_of_range' | 'not_encryptable';

export class LoginEncodeError extends Error {
  override readonly name = 'LoginEncodeError';
  readonly code: LoginEncodeErrorCode;

  constructor(code: LoginEncodeErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
