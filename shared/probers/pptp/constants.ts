// RFC 2637 wire constants. Every size is in bytes; every code carries the RFC's meaning as text so
// that failures can be explained to a human without a copy of the RFC at hand.

/** Bytes in the header every control message starts with (length, type, cookie, control type, reserved). */
export const HEADER_SIZE_BYTES = 12;
/** The magic cookie, constant 0x1A2B3C4D; anything else means the peer is not speaking PPTP. */
export const MAGIC_COOKIE = 0x1a2b3c4d;
/** PPTP Message Type 1: control message. Type 2 (management) is defined but never used. */
export const PPTP_MESSAGE_TYPE_CONTROL = 1;
/** The protocol version we send and expect: 1.0, encoded 0x0100. */
export const PROTOCOL_VERSION = 0x0100;
/** Width of the fixed host name, vendor, phone number and subaddress fields. */
export const STRING_FIELD_BYTES = 64;
/** Width of the Call Statistics field in Call-Disconnect-Notify. */
export const CALL_STATISTICS_BYTES = 128;
/** The well-known TCP port of the PPTP control connection. */
export const PPTP_PORT = 1723;

export const ControlMessageType = {
  StartControlConnectionRequest: 1,
  StartControlConnectionReply: 2,
  StopControlConnectionRequest: 3,
  StopControlConnectionReply: 4,
  EchoRequest: 5,
  EchoReply: 6,
  OutgoingCallRequest: 7,
  OutgoingCallReply: 8,
  IncomingCallRequest: 9,
  IncomingCallReply: 10,
  IncomingCallConnected: 11,
  CallClearRequest: 12,
  CallDisconnectNotify: 13,
  WanErrorNotify: 14,
  SetLinkInfo: 15,
} as const;
export type ControlMessageType = (typeof ControlMessageType)[keyof typeof ControlMessageType];

/** RFC 2637 fixes the length of every control message; index = control message type. */
export const MESSAGE_SIZE_BYTES: Readonly<Record<ControlMessageType, number>> = {
  1: 156,
  2: 156,
  3: 16,
  4: 16,
  5: 16,
  6: 20,
  7: 168,
  8: 32,
  9: 220,
  10: 24,
  11: 28,
  12: 16,
  13: 148,
  14: 40,
  15: 24,
};
/** The largest control message (Incoming-Call-Request): the framer never buffers more than this. */
export const MAX_MESSAGE_SIZE_BYTES = 220;

export const MESSAGE_NAMES: Readonly<Record<ControlMessageType, string>> = {
  1: 'Start-Control-Connection-Request',
  2: 'Start-Control-Connection-Reply',
  3: 'Stop-Control-Connection-Request',
  4: 'Stop-Control-Connection-Reply',
  5: 'Echo-Request',
  6: 'Echo-Reply',
  7: 'Outgoing-Call-Request',
  8: 'Outgoing-Call-Reply',
  9: 'Incoming-Call-Request',
  10: 'Incoming-Call-Reply',
  11: 'Incoming-Call-Connected',
  12: 'Call-Clear-Request',
  13: 'Call-Disconnect-Notify',
  14: 'WAN-Error-Notify',
  15: 'Set-Link-Info',
};

export function isControlMessageType(value: number): value is ControlMessageType {
  return Number.isInteger(value) && value >= 1 && value <= 15;
}

/** Framing Capabilities bits (SCCRQ/SCCRP). */
export const FramingCapability = { Asynchronous: 1, Synchronous: 2 } as const;
/** Bearer Capabilities bits (SCCRQ/SCCRP). */
export const BearerCapability = { Analog: 1, Digital: 2 } as const;

/** Start-Control-Connection-Reply result codes. */
export const StartControlResult = {
  Success: 1,
  GeneralError: 2,
  AlreadyExists: 3,
  NotAuthorized: 4,
  BadProtocolVersion: 5,
} as const;
export const START_CONTROL_RESULT_TEXT: Readonly<Record<number, string>> = {
  1: 'Successful channel establishment',
  2: 'General error (see the error code)',
  3: 'Command channel already exists',
  4: 'Requester is not authorized to establish a command channel',
  5: 'The protocol version of the requester is not supported',
};

/** Stop-Control-Connection-Request reasons. */
export const StopReason = { None: 1, StopProtocol: 2, StopLocalShutdown: 3 } as const;
export const STOP_REASON_TEXT: Readonly<Record<number, string>> = {
  1: 'General request to clear the control connection',
  2: "Can't support the peer's version of the protocol",
  3: 'Requester is being shut down',
};

/** Stop-Control-Connection-Reply result codes. */
export const STOP_CONTROL_RESULT_TEXT: Readonly<Record<number, string>> = {
  1: 'Control connection closed',
  2: 'Control connection not closed (see the error code)',
};

/** Echo-Reply result codes. */
export const EchoResult = { Ok: 1, GeneralError: 2 } as const;
export const ECHO_RESULT_TEXT: Readonly<Record<number, string>> = {
  1: 'The Echo-Reply is valid',
  2: 'Echo-Request rejected (see the error code)',
};

/** Outgoing-Call-Reply result codes. */
export const OutgoingCallResult = {
  Connected: 1,
  GeneralError: 2,
  NoCarrier: 3,
  Busy: 4,
  NoDialTone: 5,
  TimeOut: 6,
  DoNotAccept: 7,
} as const;
export const OUTGOING_CALL_RESULT_TEXT: Readonly<Record<number, string>> = {
  1: 'Call established with no errors',
  2: 'Outgoing call not established (see the error code)',
  3: 'Outgoing call failed: no carrier detected',
  4: 'Outgoing call failed: busy signal detected',
  5: 'Outgoing call failed: no dial tone detected',
  6: 'Outgoing call was not established within the time allotted by the PAC',
  7: 'Outgoing call administratively prohibited',
};

/** Call-Disconnect-Notify result codes. */
export const CALL_DISCONNECT_RESULT_TEXT: Readonly<Record<number, string>> = {
  1: 'Call disconnected due to loss of carrier',
  2: 'Call disconnected (see the error code)',
  3: 'Call disconnected for administrative reasons',
  4: 'Call disconnected due to a Call-Clear-Request',
};

/** General error codes, carried beside a result code of "general error". */
export const GENERAL_ERROR_TEXT: Readonly<Record<number, string>> = {
  0: 'No general error',
  1: 'No control connection exists yet for this PAC-PNS pair',
  2: 'Length is wrong or Magic Cookie value is incorrect',
  3: 'One of the field values was out of range or a reserved field was non-zero',
  4: 'Insufficient resources to handle this command now',
  5: 'The Call ID is invalid in this context',
  6: 'A generic vendor-specific error occurred in the PAC',
};

/** Text for a code from one of the tables above, never undefined: unknown codes are named as such. */
export function codeText(table: Readonly<Record<number, string>>, code: number): string {
  return table[code] ?? `unknown code ${code}`;
}
