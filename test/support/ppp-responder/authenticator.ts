// The authenticator's side of MS-CHAPv2 (RFC 2759), CHAP-MD5 (RFC 1994) and PAP (RFC 1334), with
// the scenario's twists: reject the right password (E=691), never answer, or answer Success with a
// wrong authenticator response. Verification is real: the NT-Response is recomputed from the
// configured password, so a client with the wrong password gets E=691 in every scenario.
import { timingSafeEqual } from 'node:crypto';
import { chapMd5Response, decodeChapPacket, encodeChapChallenge, encodeChapResult, isChallengeOrResponse } from '../../../shared/probers/pptp-login/chap.js';
import { ChapCode, PapCode, PppProtocol } from '../../../shared/probers/pptp-login/constants.js';
import { encodeControlPacket } from '../../../shared/probers/pptp-login/control-packet.js';
import { LoginDecodeError } from '../../../shared/probers/pptp-login/errors.js';
import { MSCHAPV2_CHALLENGE_BYTES, MSCHAPV2_RESPONSE_VALUE_BYTES, NT_RESPONSE_BYTES, generateAuthenticatorResponse, generateNtResponse } from '../../../shared/probers/pptp-login/ms-chap-v2.js';
import type { ScheduleTimer, CancelTimer } from '../../../shared/probers/pptp-login/negotiation-automaton.js';
import type { AuthMethod } from '../../../shared/probers/pptp-login/options.js';
import { decodePapRequest } from '../../../shared/probers/pptp-login/pap.js';
import type { ScenarioName } from './scenario.js';

/** Challenges sent without a Response before giving up, as pppd's chap-max-challenge default. */
export const MAX_CHALLENGES = 10;
/** Bytes of a CHAP-MD5 challenge; pppd sends 16 to 24. */
const MD5_CHALLENGE_BYTES = 16;
/** Offset of the NT-Response in the 49-byte MS-CHAPv2 Response Value (RFC 2759 §4). */
const NT_RESPONSE_OFFSET = MSCHAPV2_CHALLENGE_BYTES + 8;

export interface AuthenticatorConfig {
  method: AuthMethod;
  scenario: ScenarioName;
  user: string;
  password: string;
  /** The Name field of Challenges. */
  name: string;
  /** Challenge retransmission interval, in ms (pppd's chap-restart). */
  restartMs: number;
  schedule: ScheduleTimer;
  random: (bytes: number) => Buffer;
}

export type AuthenticationResult =
  | { ok: true; user: string; /** MS-CHAPv2 only: what the MPPE keys derive from (RFC 3079 §3). */ ntResponse: Buffer | undefined }
  | { ok: false; reason: string };

export interface AuthenticatorHooks {
  /** Sends `packet` with PPP protocol `protocol` (CHAP or PAP). */
  send(protocol: number, packet: Buffer): void;
  log(event: string, fields?: Record<string, unknown>): void;
  /** Called once: the Success/Ack or Failure/Nak has been sent. */
  done(result: AuthenticationResult): void;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

export class ServerAuthenticator {
  private identifier = 0;
  private challenge: Buffer | undefined;
  private challengesSent = 0;
  private cancelRetransmit: CancelTimer | undefined;
  /** The answer already sent, repeated if the client retransmits its Response (RFC 1994 §4.2). */
  private answer: { protocol: number; packet: Buffer } | undefined;
  private responded = false;
  private stopped = false;

  constructor(
    private readonly config: AuthenticatorConfig,
    private readonly hooks: AuthenticatorHooks,
  ) {}

  /** Authentication phase begins (LCP opened): CHAP sends its Challenge, PAP waits for the client. */
  start(): void {
    if (this.config.method === 'pap') return this.hooks.log('auth_waiting', { method: 'pap' });
    this.identifier = this.config.random(1)[0]!;
    this.challenge = this.config.random(this.config.method === 'mschapv2' ? MSCHAPV2_CHALLENGE_BYTES : MD5_CHALLENGE_BYTES);
    this.sendChallenge();
  }

  stop(): void {
    this.stopped = true;
    this.cancelRetransmit?.();
  }

  private sendChallenge(): void {
    if (this.stopped || this.responded || !this.challenge) return;
    if (this.challengesSent >= MAX_CHALLENGES) {
      this.stop();
      return this.hooks.done({ ok: false, reason: `no Response to ${MAX_CHALLENGES} Challenges` });
    }
    this.challengesSent++;
    this.hooks.send(PppProtocol.Chap, encodeChapChallenge(this.identifier, this.challenge, this.config.name));
    this.hooks.log('chap_challenge', { method: this.config.method, identifier: this.identifier, count: this.challengesSent });
    this.cancelRetransmit = this.config.schedule(this.config.restartMs, () => this.sendChallenge());
  }

  receive(protocol: number, information: Uint8Array): void {
    if (this.stopped && !this.answer) return;
    try {
      if (protocol === PppProtocol.Chap && this.config.method !== 'pap') this.receiveChap(information);
      else if (protocol === PppProtocol.Pap && this.config.method === 'pap') this.receivePap(information);
      else this.hooks.log('auth_discarded', { reason: `protocol 0x${protocol.toString(16)} while authenticating with ${this.config.method}` });
    } catch (err) {
      if (!(err instanceof LoginDecodeError)) throw err;
      this.hooks.log('auth_discarded', { reason: err.message });
    }
  }

  private receiveChap(information: Uint8Array): void {
    const packet = decodeChapPacket(information);
    if (packet.code !== ChapCode.Response || !isChallengeOrResponse(packet) || packet.identifier !== this.identifier || !this.challenge) {
      return this.hooks.log('auth_discarded', { reason: `CHAP code ${packet.code} identifier ${packet.identifier}` });
    }
    if (this.repeatAnswer()) return;
    this.responded = true;
    this.cancelRetransmit?.();
    this.hooks.log('chap_response', { method: this.config.method, name: packet.name });
    if (this.config.scenario === 'auth_silent') return this.hooks.log('auth_response_ignored', { scenario: 'auth_silent' });
    if (this.config.method === 'mschapv2') return this.answerMsChapV2(packet.value, packet.name);
    const good = packet.name === this.config.user && sameBytes(packet.value, chapMd5Response(this.identifier, this.config.password, this.challenge));
    if (good && this.config.scenario !== 'auth_rejected') {
      this.finish(PppProtocol.Chap, encodeChapResult(ChapCode.Success, this.identifier, 'Access granted'), { ok: true, user: packet.name, ntResponse: undefined });
    } else {
      this.finish(PppProtocol.Chap, encodeChapResult(ChapCode.Failure, this.identifier, 'Access denied'), { ok: false, reason: good ? 'scenario auth_rejected' : 'wrong user or password' });
    }
  }

  private answerMsChapV2(value: Buffer, name: string): void {
    const challenge = this.challenge!;
    if (value.length !== MSCHAPV2_RESPONSE_VALUE_BYTES) return this.reject(`Response Value of ${value.length} bytes, not ${MSCHAPV2_RESPONSE_VALUE_BYTES}`);
    const peerChallenge = value.subarray(0, MSCHAPV2_CHALLENGE_BYTES);
    const ntResponse = Buffer.from(value.subarray(NT_RESPONSE_OFFSET, NT_RESPONSE_OFFSET + NT_RESPONSE_BYTES));
    const expected = generateNtResponse(challenge, peerChallenge, name, this.config.password);
    const good = name === this.config.user && sameBytes(ntResponse, expected);
    if (!good) return this.reject('wrong user or password');
    if (this.config.scenario === 'auth_rejected') return this.reject('scenario auth_rejected');
    let authenticator = generateAuthenticatorResponse(this.config.password, ntResponse, peerChallenge, challenge, name);
    if (this.config.scenario === 'bad_authenticator') {
      // Twenty random bytes: what an impostor who does not know the password can send.
      authenticator = `S=${this.config.random(20).toString('hex').toUpperCase()}`;
    }
    this.finish(PppProtocol.Chap, encodeChapResult(ChapCode.Success, this.identifier, `${authenticator} M=Access granted`), {
      ok: true,
      user: name,
      ntResponse,
    });
  }

  /** MS-CHAPv2 Failure (RFC 2759 §6): E=691, no retry, a fresh challenge, version 3. */
  private reject(reason: string): void {
    const retryChallenge = this.config.random(MSCHAPV2_CHALLENGE_BYTES).toString('hex').toUpperCase();
    const message = `E=691 R=0 C=${retryChallenge} V=3 M=Authentication failed`;
    this.finish(PppProtocol.Chap, encodeChapResult(ChapCode.Failure, this.identifier, message), { ok: false, reason });
  }

  private receivePap(information: Uint8Array): void {
    const request = decodePapRequest(information);
    if (this.answer && request.identifier === this.identifier) {
      this.repeatAnswer();
      return;
    }
    if (this.answer) return this.hooks.log('auth_discarded', { reason: 'PAP request after the answer' });
    if (this.responded) return; // auth_silent: the client's retransmissions go unanswered too
    this.identifier = request.identifier;
    this.responded = true;
    this.hooks.log('pap_request', { peerId: request.peerId });
    if (this.config.scenario === 'auth_silent') return this.hooks.log('auth_response_ignored', { scenario: 'auth_silent' });
    const good = request.peerId === this.config.user && sameBytes(request.password, Buffer.from(this.config.password, 'utf8'));
    const ok = good && this.config.scenario !== 'auth_rejected';
    const message = Buffer.from(ok ? 'Login ok' : 'Login incorrect', 'latin1');
    const packet = encodeControlPacket({
      code: ok ? PapCode.AuthenticateAck : PapCode.AuthenticateNak,
      identifier: request.identifier,
      data: Buffer.concat([Buffer.from([message.length]), message]),
    });
    this.finish(PppProtocol.Pap, packet, ok ? { ok: true, user: request.peerId, ntResponse: undefined } : { ok: false, reason: good ? 'scenario auth_rejected' : 'wrong user or password' });
  }

  private repeatAnswer(): boolean {
    if (!this.answer) return false;
    this.hooks.send(this.answer.protocol, this.answer.packet);
    this.hooks.log('auth_answer_repeated');
    return true;
  }

  private finish(protocol: number, packet: Buffer, result: AuthenticationResult): void {
    this.answer = { protocol, packet };
    this.hooks.send(protocol, packet);
    this.hooks.log(result.ok ? 'auth_success' : 'auth_failure', result.ok ? { user: result.user, scenario: this.config.scenario } : { reason: result.reason });
    this.stopped = true;
    this.hooks.done(result);
  }
}
