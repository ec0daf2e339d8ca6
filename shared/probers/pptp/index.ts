// The pptp prober's public face: the prober and its options for runners and config, and the RFC 2637
// codec for whoever speaks PPTP (the login prober's control connection, the simulator, hostile test
// peers, benchmarks). The conversation stays inside the folder.
export { pptpControlProber, probePptp } from './probe-pptp-control.js';
export { DEFAULT_PPTP_CONTROL_OPTIONS, PPTP_CONTROL, PPTP_CONTROL_FAILURE_CLASSES, type PptpControlOptions, type PptpControlTarget } from './options.js';
export {
  BearerCapability,
  CALL_DISCONNECT_RESULT_TEXT,
  ControlMessageType,
  ECHO_RESULT_TEXT,
  EchoResult,
  FramingCapability,
  GENERAL_ERROR_TEXT,
  HEADER_SIZE_BYTES,
  MAGIC_COOKIE,
  MAX_MESSAGE_SIZE_BYTES,
  MESSAGE_NAMES,
  MESSAGE_SIZE_BYTES,
  OUTGOING_CALL_RESULT_TEXT,
  OutgoingCallResult,
  PPTP_MESSAGE_TYPE_CONTROL,
  PPTP_PORT,
  PROTOCOL_VERSION,
  START_CONTROL_RESULT_TEXT,
  STOP_CONTROL_RESULT_TEXT,
  STOP_REASON_TEXT,
  StartControlResult,
  StopReason,
  codeText,
  isControlMessageType,
} from './constants.js';
export { PptpDecodeError, type PptpDecodeErrorCode } from './errors.js';
export { PptpFramer } from './framer.js';
export {
  checkHeaderPrefix,
  decodeMessage,
  encodeMessage,
  messageName,
  type CallClearRequest,
  type ControlMessage,
  type EchoRequest,
  type EncodableMessage,
  type OutgoingCallRequest,
} from './messages.js';
