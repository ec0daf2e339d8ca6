// The failure classes a login adds to the one taxonomy (shared/probe/failure-classes.ts), for the
// stages after the call is accepted. Control-phase failures (connect, SCCRP, OCRP, a dropped call)
// keep the existing classes. These strings are a contract like the others (a metric dimension,
// alert text, docs/runbooks/<class>.md): they are appended to FAILURE_CLASSES as they are.
import type { FailureClass, FailureClassInfo } from '../../probe/failure-classes.js';

export const LOGIN_FAILURE_CLASSES = [
  'gre_blocked',
  'gre_one_way',
  'lcp_failed',
  'auth_rejected',
  'auth_timeout',
  'auth_spoofed',
  'encryption_refused',
  'no_address',
  'no_traffic',
] as const;

export type LoginFailureClass = (typeof LOGIN_FAILURE_CLASSES)[number];

/** Every class a login can report: the control probe's and the login's own. */
export type AnyLoginFailureClass = FailureClass | LoginFailureClass;

export function isLoginFailureClass(value: string): value is LoginFailureClass {
  return (LOGIN_FAILURE_CLASSES as readonly string[]).includes(value);
}

const runbook = (cls: LoginFailureClass): string => `docs/runbooks/${cls}.md`;

export const LOGIN_FAILURE_CLASS_INFO: Readonly<Record<LoginFailureClass, FailureClassInfo>> = {
  gre_blocked: {
    explanation:
      'The gateway accepted the call on TCP 1723, but no GRE (IP protocol 47) packet came back from it: the data path is blocked (what Windows reports as error 619).',
    likelyCauses: [
      'A NAT router in front of the probe or the gateway without the PPTP helper (nf_conntrack_pptp, or the CT --helper pptp rule): the gateway GRE is not mapped back',
      'A firewall or cloud security group that allows TCP 1723 but not IP protocol 47',
      'An ISP or carrier-grade NAT that drops GRE',
      'pppd on the gateway failing to start after pptpd accepted the call, while the control connection stays up',
    ],
    runbook: runbook('gre_blocked'),
  },
  gre_one_way: {
    explanation:
      "GRE flows from the gateway (its LCP Configure-Requests arrive) but it never answers ours: the probe's GRE does not reach the gateway.",
    likelyCauses: [
      "Inbound protocol 47 blocked at the gateway's firewall or security group while outbound is allowed",
      'A NAT that maps the gateway GRE back but does not forward the probe GRE to the gateway (a helper that tracks one direction)',
      'Asymmetric routing: the probe GRE leaves by a path that drops it',
      'Another PPTP client behind the same NAT holding the GRE mapping (one tunnel per public address)',
    ],
    runbook: runbook('gre_one_way'),
  },
  lcp_failed: {
    explanation: 'GRE works both ways, but LCP did not open: the two sides did not agree on the link options (the failure says which were rejected or refused).',
    likelyCauses: [
      'The gateway requires an authentication protocol the check does not allow (PAP or CHAP-MD5 only, or EAP)',
      'A gateway that keeps Naking an option (MRU, ACCM) without converging, or rejects the Magic-Number',
      'The gateway asked for no authentication at all (an open gateway) while the check requires one',
      'A middlebox that rewrites or truncates GRE payloads',
    ],
    runbook: runbook('lcp_failed'),
  },
  auth_rejected: {
    explanation:
      'The gateway refused the credentials: MS-CHAPv2 Failure (E=691 wrong user name or password, 647 account disabled, 648 password expired, 649 no dial-in permission, ...), CHAP Failure or PAP Authenticate-Nak.',
    likelyCauses: [
      "The monitoring account's password changed or expired, or the account was disabled or locked out",
      'The account lost its dial-in / VPN permission (NPS network policy, chap-secrets entry removed)',
      'RADIUS answers Access-Reject: a policy condition (group, time of day, NAS identifier) no longer matches',
    ],
    runbook: runbook('auth_rejected'),
  },
  auth_timeout: {
    explanation: 'The gateway asked for authentication but never answered the response (or never sent its challenge) within the deadline.',
    likelyCauses: [
      'The RADIUS / NPS server behind the gateway is down, unreachable or slow (the gateway waits on it)',
      'A shared-secret mismatch between the gateway and RADIUS, so replies are discarded',
      'pppd on the gateway blocked (a slow auth plugin, DNS lookups in an ip-up script)',
    ],
    runbook: runbook('auth_timeout'),
  },
  auth_spoofed: {
    explanation:
      "The gateway's MS-CHAPv2 Success message did not carry a valid authenticator response: whoever answered does not know the account's password. A security alert, not an outage.",
    likelyCauses: [
      'A man-in-the-middle or a rogue gateway answering for the real one (DNS hijack, a captive device on the path)',
      'A gateway or RADIUS server with a broken MS-CHAPv2 implementation that sends a fixed or empty S= value',
      'The probe was given a different password than the account has, and the gateway accepts any (misconfigured "accept all")',
    ],
    runbook: runbook('auth_spoofed'),
  },
  encryption_refused: {
    explanation: 'Authentication succeeded but the two sides did not agree on encryption: CCP/MPPE was rejected, or required by one side and refused by the other.',
    likelyCauses: [
      'The gateway has MPPE disabled or allows only 40/56-bit (pppd without require-mppe-128, Windows RRAS "strongest encryption" off)',
      'The gateway requires MPPE but the check authenticated with CHAP-MD5 or PAP, which yield no MPPE keys',
      'ppp_mppe kernel module missing on a Linux gateway, so pppd cannot offer MPPE',
      'A gateway that only offers stateful MPPE',
    ],
    runbook: runbook('encryption_refused'),
  },
  no_address: {
    explanation: 'The tunnel came up but IPCP never assigned the probe an address (rejected, refused or never answered).',
    likelyCauses: [
      'The address pool is exhausted (pptpd remoteip range, RRAS static pool, DHCP for VPN clients) — often by stale sessions',
      'IPCP misconfigured on the gateway (no localip/remoteip, a RADIUS Framed-IP-Address that conflicts)',
      'pppd answering IPCP before CCP is open with Terminate-Ack (require-mppe-128) and the client giving up',
    ],
    runbook: runbook('no_address'),
  },
  no_traffic: {
    explanation: "The tunnel is up and has an address, but an ICMP echo to the gateway's tunnel address got no reply: the tunnel carries no data.",
    likelyCauses: [
      'MPPE keys mismatch (the gateway decrypts to garbage and drops the packet)',
      "The gateway's firewall drops traffic from the VPN pool (an INPUT rule on ppp+ interfaces, RRAS packet filters)",
      'ICMP disabled on the gateway tunnel address',
      'IP forwarding or the ppp interface not configured on the gateway after IPCP (ip-up script failing)',
    ],
    runbook: runbook('no_traffic'),
  },
};
