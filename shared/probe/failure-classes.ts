// The one failure taxonomy. These strings are a contract shared by the probe, metrics (a dimension
// value), alerts and runbooks (docs/runbooks/<class>.md): never rename one without a migration.

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
};

export function isFailureClass(value: string): value is FailureClass {
  return (FAILURE_CLASSES as readonly string[]).includes(value);
}
