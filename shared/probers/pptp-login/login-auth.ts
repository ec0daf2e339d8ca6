// The probe's side of authentication, as the gateway asked for it in LCP: MS-CHAPv2 (RFC 2759) with
// the gateway's authenticator response verified, CHAP-MD5 (RFC 1994) and PAP (RFC 1334). One
// attempt only: a Failure that allows a retry (R=1) is not retried, so a wrong password costs the
// monitoring account one failed logon per interval, never a lockout.
import { ChapCode, PapCode, PppProtocol } from './constants.js';
import { chapMd5Response, decodeChapPacket, encodeChapResponse, isChallengeOrResponse, type ChapChallengeOrResponse } from './chap.js';
import { LoginDecodeError } from './errors.js';
import { checkAuthenticatorResponse, encodeResponseValue, generateNtResponse, MSCHAPV2_CHALLENGE_BYTES } from './ms-chap-v2.js';
import { describeMsChapV2Error, parseMsChapV2Failure, parseMsChapV2Success } from './ms-chap-v2-messages.js';
import type { CancelTimer, ScheduleTimer } from './negotiation-automaton.js';
import type { AuthMethod } from './options.js';
import { decodePapReply, encodePapRequest } from './pap.js';
import { printableText } from './text.js';

export type AuthOutcome =
  /** `ntResponse` is set for MS-CHAPv2: the MPPE keys derive from it (RFC 3079 §3). */
  | { kind: 'success'; ntResponse: Buffer | undefined; message: string }
  | { kind: 'rejected'; code: number | undefined; message: string }
  /** The Success message did not prove the gateway knows the password. */
  | { kind: 'spoofed'; message: string };

export interface AuthClientHooks {
  /** Sends a CHAP or PAP packet with that PPP Protocol. */
  send(protocol: number, packet: Uint8Array): void;
  done(outcome: AuthOutcome): void;
  schedule: ScheduleTimer;
  /** A packet was malformed or out of place and ignored. */
  discarded?(reason: string): void;
}

export interface AuthClientConfig {
  method: AuthMethod;
  username: string;
  password: string;
  randomBytes: (count: number) => Uint8Array;
  /** PAP: the peer retransmits its Authenticate-Request (RFC 1334 §2.1), this often, in ms. */
  papRetryMs: number;
}

/** What we sent for the last Challenge, to answer a retransmitted Challenge with the same Response. */
interface Answered {
  identifier: number;
  packet: Buffer;
  peerChallenge: Buffer;
  authenticatorChallenge: Buffer;
  ntResponse: Buffer;
}

export class AuthClient {
  private answered: Answered | undefined;
  private papIdentifier = 0;
  private cancelPap: CancelTimer | undefined;
  private finished = false;

  constructor(
    private readonly config: AuthClientConfig,
    private readonly hooks: AuthClientHooks,
  ) {}

  /** The Name of the gateway's last CHAP Challenge (pppd's `name`): who authenticated us, an identity. */
  peerName: string | undefined;

  /** We sent our Response (or PAP request): a silence from now on is the gateway's, not a missing challenge. */
  get responded(): boolean {
    return this.answered !== undefined || this.papIdentifier > 0;
  }

  get protocol(): number {
    return this.config.method === 'pap' ? PppProtocol.Pap : PppProtocol.Chap;
  }

  /** CHAP waits for the gateway's Challenge; PAP speaks first. */
  start(): void {
    if (this.config.method === 'pap') this.sendPap();
  }

  receive(information: Uint8Array): void {
    if (this.finished) return;
    try {
      if (this.config.method === 'pap') this.receivePap(information);
      else this.receiveChap(information);
    } catch (err) {
      if (!(err instanceof LoginDecodeError)) throw err;
      this.hooks.discarded?.(`${this.config.method}: ${err.message}`);
    }
  }

  close(): void {
    this.finished = true;
    this.cancelPap?.();
    this.cancelPap = undefined;
  }

  // ---- CHAP: MS-CHAPv2 and MD5 ----

  private receiveChap(information: Uint8Array): void {
    const packet = decodeChapPacket(information);
    if (packet.code === ChapCode.Challenge && isChallengeOrResponse(packet)) return this.answerChallenge(packet);
    if (packet.code !== ChapCode.Success && packet.code !== ChapCode.Failure) return this.hooks.discarded?.(`CHAP code ${packet.code} ignored`);
    const answered = this.answered;
    if (!answered || packet.identifier !== answered.identifier) return this.hooks.discarded?.(`CHAP result ${packet.identifier} for no Response of ours`);
    const message = 'message' in packet ? packet.message : Buffer.alloc(0);
    if (this.config.method === 'mschapv2') this.msChapV2Result(packet.code === ChapCode.Success, message, answered);
    else if (packet.code === ChapCode.Success) this.finish({ kind: 'success', ntResponse: undefined, message: printableText(message) });
    else this.finish({ kind: 'rejected', code: undefined, message: `CHAP Failure: ${printableText(message) || 'no message'}` });
  }

  private answerChallenge(challenge: ChapChallengeOrResponse): void {
    if (challenge.name !== '') this.peerName = challenge.name;
    // A retransmitted Challenge (our Response was lost) gets the same Response again (RFC 1994 §4.1).
    if (this.answered && this.answered.identifier === challenge.identifier && this.answered.authenticatorChallenge.equals(challenge.value)) {
      this.hooks.send(PppProtocol.Chap, this.answered.packet);
      return;
    }
    const { username, password, method } = this.config;
    if (method === 'mschapv2') {
      if (challenge.value.length !== MSCHAPV2_CHALLENGE_BYTES) {
        this.hooks.discarded?.(`MS-CHAPv2 Challenge of ${challenge.value.length} bytes, not ${MSCHAPV2_CHALLENGE_BYTES}`);
        return;
      }
      const peerChallenge = Buffer.from(this.config.randomBytes(MSCHAPV2_CHALLENGE_BYTES));
      const authenticatorChallenge = Buffer.from(challenge.value);
      const ntResponse = generateNtResponse(authenticatorChallenge, peerChallenge, username, password);
      const packet = encodeChapResponse(challenge.identifier, encodeResponseValue(peerChallenge, ntResponse), username);
      this.answered = { identifier: challenge.identifier, packet, peerChallenge, authenticatorChallenge, ntResponse };
    } else {
      const value = chapMd5Response(challenge.identifier, password, challenge.value);
      const packet = encodeChapResponse(challenge.identifier, value, username);
      this.answered = { identifier: challenge.identifier, packet, peerChallenge: Buffer.alloc(0), authenticatorChallenge: Buffer.from(challenge.value), ntResponse: Buffer.alloc(0) };
    }
    this.hooks.send(PppProtocol.Chap, this.answered.packet);
  }

  private msChapV2Result(success: boolean, message: Buffer, answered: Answered): void {
    if (!success) {
      const failure = parseMsChapV2Failure(message);
      const text = failure.message ? `: ${failure.message}` : '';
      const retry = failure.retryAllowed ? ' (the gateway allows a retry; the probe never retries, to spare the account a lockout)' : '';
      this.finish({ kind: 'rejected', code: failure.errorCode, message: `MS-CHAPv2 Failure ${describeMsChapV2Error(failure.errorCode)}${text}${retry}` });
      return;
    }
    const parsed = parseMsChapV2Success(message);
    const { username, password } = this.config;
    if (parsed.authenticatorResponse === undefined) {
      this.finish({ kind: 'spoofed', message: 'MS-CHAPv2 Success without a well-formed authenticator response (S=)' });
      return;
    }
    const verified = checkAuthenticatorResponse(password, answered.ntResponse, answered.peerChallenge, answered.authenticatorChallenge, username, parsed.authenticatorResponse);
    if (!verified) {
      this.finish({ kind: 'spoofed', message: "MS-CHAPv2 Success whose authenticator response does not verify: the answering side does not know the account's password" });
      return;
    }
    this.finish({ kind: 'success', ntResponse: answered.ntResponse, message: parsed.message });
  }

  // ---- PAP ----

  private sendPap(): void {
    if (this.finished) return;
    this.papIdentifier = (this.papIdentifier % 0xff) + 1;
    this.hooks.send(PppProtocol.Pap, encodePapRequest(this.papIdentifier, this.config.username, this.config.password));
    this.cancelPap = this.hooks.schedule(this.config.papRetryMs, () => this.sendPap());
  }

  private receivePap(information: Uint8Array): void {
    const reply = decodePapReply(information);
    if (reply.identifier !== this.papIdentifier) return this.hooks.discarded?.(`PAP reply ${reply.identifier} for no request of ours`);
    if (reply.code === PapCode.AuthenticateAck) this.finish({ kind: 'success', ntResponse: undefined, message: reply.message });
    else this.finish({ kind: 'rejected', code: undefined, message: `PAP Authenticate-Nak: ${reply.message || 'no message'}` });
  }

  private finish(outcome: AuthOutcome): void {
    if (this.finished) return;
    this.close();
    this.hooks.done(outcome);
  }
}
