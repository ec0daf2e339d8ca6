// The pure building blocks of the PPTP login probe (issue 11): crypto, codecs, MPPE and the PPP
// option negotiation. No I/O and no clock of their own; see README.md for what each file holds.
export * from './errors.js';
export * from './constants.js';
export { md4 } from './md4.js';
export { desEncryptBlock, expandDesKey } from './des.js';
export { Rc4 } from './rc4.js';
export * from './ms-chap-v2.js';
export * from './ms-chap-v2-messages.js';
export * from './mppe-keys.js';
export * from './mppe.js';
export * from './chap.js';
export * from './pap.js';
export * from './gre.js';
export * from './ppp-frame.js';
export * from './hdlc.js';
export * from './ipv4.js';
export * from './icmp.js';
export * from './control-packet.js';
export * from './options.js';
export * from './negotiation-policy.js';
export * from './negotiation-automaton.js';
export { TRANSITIONS, TIMER_STATES, type AutomatonEvent, type AutomatonAction } from './negotiation-table.js';
export * from './lcp-policy.js';
export * from './ipcp-policy.js';
export * from './ccp-policy.js';
export { printableText, MAX_PEER_TEXT_CHARS } from './text.js';
