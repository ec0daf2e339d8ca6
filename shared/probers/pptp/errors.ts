// Typed decode errors: the only thing the codec and the framer ever throw. A probe maps every one of
// them to the `protocol_error` failure class and keeps the code for the message.
import { PptpMonitorError } from '../../common/errors.js';

export type PptpDecodeErrorCode =
  | 'truncated'
  | 'length_below_header'
  | 'length_above_message_size'
  | 'length_below_message_size'
  | 'not_control_message'
  | 'bad_magic_cookie'
  | 'unknown_control_type';

export class PptpDecodeError extends PptpMonitorError<PptpDecodeErrorCode> {
  // Spelled out: the Lambda bundle is minified without keepNames, so the class's own name is mangled.
  override readonly name = 'PptpDecodeError';
}
