// The SNS limits the alert renderer is written against (Publish API reference), and the caps that keep
// every rendered alert inside them. Shared by the render-*.ts files and the report summary.
//
// SNS limits this file is written against (Publish API reference):
//   * Subject: at most 100 characters, ASCII text, no line breaks or control characters, and it must
//     start with a letter, number or punctuation mark. SNS rejects the whole Publish otherwise, so the
//     subject is sanitized and truncated here rather than trusted.
//   * Message: 256 KiB in total, counting the message, the subject and the message attributes. The
//     size is bounded by construction: every list is capped at MAX_LIST_LINES entries and every free
//     text field (target name, owner, tags, host, server identity, rule) at MAX_FIELD_CHARS, and each
//     cap says so in the text it shortens.
//   * With `MessageStructure: 'json'` the Message is a JSON object of strings keyed by protocol, and
//     must have `default`. SNS delivers `https` to https subscriptions, `email` to email ones, `sms`
//     to phone numbers, `lambda` to Lambda functions (the SNS Developer Guide's publishing tutorial lists
//     the key) and `default` to every other protocol (http, sqs, email-json).

/** SNS Publish: longest Subject, in characters. */
export const SNS_SUBJECT_MAX_CHARS = 100;
/** SNS Publish: largest message (message + subject + attributes), in bytes (256 KiB). */
export const SNS_MESSAGE_MAX_BYTES = 256 * 1024;
/** Longest `sms` body, in characters: one SMS segment of 7-bit text is 160; leave room for a sender prefix. */
export const SMS_MAX_CHARS = 140;
/** Most entries listed per list (regions, failure classes, burn rates, latency rows, tags). */
export const MAX_LIST_LINES = 20;
/** Longest free-text field copied into a body (target, owner, tag, host, server identity, rule), in characters. */
export const MAX_FIELD_CHARS = 256;

/** ASCII on purpose: SNS rejects a Subject with the Unicode ellipsis. */
export const ELLIPSIS = '...';
