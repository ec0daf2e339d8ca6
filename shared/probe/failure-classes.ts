// The one failure taxonomy. These strings are a contract shared by the probers, metrics (a dimension
// value), alerts, reports, the status page and runbooks (docs/runbooks/<class>.md): never rename one
// without a migration, and only ever append (stored SLA fold states and metric series keep indexes and
// names). The classes a login adds come after the control connection's, in the order a login meets them.

export const FAILURE_CLASSES = [
  'dns_failure',
  'network_unreachable',
  'connect_timeout',
  'connect_refused',
  'connection_reset',
  'connection_closed',
  'control_timeout',
  'protocol_error',
  'control_rejected',
  'echo_timeout',
  'echo_rejected',
  'call_rejected',
  'call_dropped',
  // A login's stages after the call was accepted (check pptp-login); before that a login reports the
  // classes above, like the control probe.
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

export type FailureClass = (typeof FAILURE_CLASSES)[number];

export interface FailureClassInfo {
  /** One line for a human: what happened, in terms of the wire. */
  explanation: string;
  /** Usual causes, most likely first, from operating experience (the class's runbook says how to tell them apart). */
  likelyCauses: readonly string[];
  /** Runbook path relative to the runbook base (docs/runbooks/ locally). */
  runbook: string;
}

const runbook = (cls: FailureClass): string => `docs/runbooks/${cls}.md`;

export const FAILURE_CLASS_INFO: Readonly<Record<FailureClass, FailureClassInfo>> = {
  dns_failure: {
    explanation: 'The gateway host name did not resolve to an address.',
    likelyCauses: [
      'DNS record deleted, expired or mistyped in the target config',
      'Resolver outage or split-horizon DNS that the probe region cannot see',
      'Dynamic-DNS client on the gateway stopped updating after an IP change',
    ],
    runbook: runbook('dns_failure'),
  },
  network_unreachable: {
    explanation: 'No route to the gateway: the network or host was reported unreachable before any TCP handshake.',
    likelyCauses: [
      'Upstream routing or ISP outage at the gateway site',
      'ICMP unreachable from a firewall or router on the path',
      'Wrong address in the target config (a private address probed from the internet)',
    ],
    runbook: runbook('network_unreachable'),
  },
  connect_timeout: {
    explanation: 'No answer to the TCP SYN on the PPTP port: the port is filtered or the host is down.',
    likelyCauses: [
      'Firewall or cloud security group dropping TCP 1723 (a rule change, or an allow-list that excludes the probe)',
      'Gateway host or its WAN link down',
      'Connection tracking table full on a NAT or firewall in front of the gateway (nf_conntrack_max)',
      'Severe packet loss on the path',
    ],
    runbook: runbook('connect_timeout'),
  },
  connect_refused: {
    explanation: 'The host answered the TCP SYN with a reset: nothing listens on the PPTP port.',
    likelyCauses: [
      'pptpd / Routing and Remote Access service stopped or crashed',
      'Service bound to another address or port after a config change',
      'A firewall REJECT rule on TCP 1723',
    ],
    runbook: runbook('connect_refused'),
  },
  connection_reset: {
    explanation: 'The TCP connection was reset after it was established, before the PPTP exchange finished.',
    likelyCauses: [
      'pptpd control process crashed or was killed',
      'A gateway (some routers) that accepts and then drops sessions it has no resources for',
      'A middlebox (IPS, NAT with a full state table) tearing down the session',
    ],
    runbook: runbook('connection_reset'),
  },
  connection_closed: {
    explanation: 'The gateway closed the connection in an orderly way before the PPTP exchange finished.',
    likelyCauses: [
      'Client address not allowed by the gateway (tcp_wrappers, remoteip / allow-list)',
      'A gateway that closes new sessions when it is out of ports or licences',
      'Gateway sent Stop-Control-Connection-Request: it is shutting down or refuses this peer',
    ],
    runbook: runbook('connection_closed'),
  },
  control_timeout: {
    explanation: 'TCP connected, but no Start-Control-Connection-Reply arrived in time.',
    likelyCauses: [
      'pptpd at its connection limit ("connections" / -C): it stops accepting, so new connections wait in the TCP backlog unanswered',
      'pptpd hung or overloaded (process table, fork failures, memory)',
      'A port forward or load balancer that accepts TCP but has no healthy backend',
      'Something other than PPTP listening on port 1723 that waits for the client to speak',
    ],
    runbook: runbook('control_timeout'),
  },
  protocol_error: {
    explanation: 'The gateway answered with bytes that are not valid PPTP (bad magic cookie, bad length, unexpected message).',
    likelyCauses: [
      'Another service (HTTP, SSH, a captive proxy) answering on port 1723',
      'A broken or non-compliant PPTP implementation after a firmware update',
      'A middlebox rewriting or injecting traffic',
    ],
    runbook: runbook('protocol_error'),
  },
  control_rejected: {
    explanation: 'The gateway refused the control connection (Start-Control-Connection-Reply result code other than 1).',
    likelyCauses: [
      'Requester not authorized (result 4): the probe address is not allowed',
      'Protocol version not supported (result 5)',
      'General error (result 2) with a resource shortage: out of channels or memory',
    ],
    runbook: runbook('control_rejected'),
  },
  echo_timeout: {
    explanation: 'The control connection came up but the gateway did not answer the Echo-Request in time.',
    likelyCauses: [
      'pptpd control process stalled after the handshake (overload, blocked on logging or RADIUS)',
      'A firewall or load balancer idle/inspection rule dropping later packets of the session',
    ],
    runbook: runbook('echo_timeout'),
  },
  echo_rejected: {
    explanation: 'The gateway answered the Echo-Request with an error result code.',
    likelyCauses: ['Non-compliant gateway implementation', 'Gateway resource exhaustion reported as a general error'],
    runbook: runbook('echo_rejected'),
  },
  call_rejected: {
    explanation: 'The gateway refused the outgoing call (Outgoing-Call-Reply result other than 1) or never answered it.',
    likelyCauses: [
      'No free channels or IP addresses in the pool (localip/remoteip exhausted)',
      'Calls administratively prohibited (result 7)',
      'PPP daemon cannot be started on the gateway',
    ],
    runbook: runbook('call_rejected'),
  },
  call_dropped: {
    explanation: 'The gateway accepted the outgoing call and then dropped it within the settle time.',
    likelyCauses: [
      'pppd fails to start on the gateway (missing /dev/ppp, ppp kernel modules, bad options file)',
      'GRE (IP protocol 47) or ip_gre / nf_conntrack_pptp unavailable on the gateway',
      'MPPE or authentication (RADIUS, CHAP) configuration broken so the session is torn down at once',
    ],
    runbook: runbook('call_dropped'),
  },
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

export function isFailureClass(value: string): value is FailureClass {
  return (FAILURE_CLASSES as readonly string[]).includes(value);
}
