// The state transition table of RFC 1661 §4.1, transcribed as data so that it can be read against
// the RFC cell by cell. A missing cell is the RFC's '-': an event that cannot occur in that state,
// which the automaton reports and otherwise ignores (§4.4 Illegal-Event).

export type AutomatonState =
  | 'initial'
  | 'starting'
  | 'closed'
  | 'stopped'
  | 'closing'
  | 'stopping'
  | 'req-sent'
  | 'ack-rcvd'
  | 'ack-sent'
  | 'opened';

export type AutomatonEvent =
  | 'up'
  | 'down'
  | 'open'
  | 'close'
  | 'to+'
  | 'to-'
  | 'rcr+'
  | 'rcr-'
  | 'rca'
  | 'rcn'
  | 'rtr'
  | 'rta'
  | 'ruc'
  | 'rxj+'
  | 'rxj-'
  | 'rxr';

/** tlu/tld/tls/tlf: This-Layer-Up/Down/Started/Finished; irc/zrc: (Re)set the Restart counter; s**: send. */
export type AutomatonAction = 'tlu' | 'tld' | 'tls' | 'tlf' | 'irc' | 'zrc' | 'scr' | 'sca' | 'scn' | 'str' | 'sta' | 'scj' | 'ser';

type Cell = readonly [readonly AutomatonAction[], AutomatonState];
type Row = Partial<Readonly<Record<AutomatonState, Cell>>>;

/** States in which the Restart timer runs: those with TO events in the table. */
export const TIMER_STATES: ReadonlySet<AutomatonState> = new Set(['closing', 'stopping', 'req-sent', 'ack-rcvd', 'ack-sent']);

const to = (next: AutomatonState, ...actions: AutomatonAction[]): Cell => [actions, next];

export const TRANSITIONS: Readonly<Record<AutomatonEvent, Row>> = {
  up: { initial: to('closed'), starting: to('req-sent', 'irc', 'scr') },
  down: {
    closed: to('initial'),
    stopped: to('starting', 'tls'),
    closing: to('initial'),
    stopping: to('starting'),
    'req-sent': to('starting'),
    'ack-rcvd': to('starting'),
    'ack-sent': to('starting'),
    opened: to('starting', 'tld'),
  },
  // The [r] restart option (Down then Up on Open in Opened, Closing, Stopping, Stopped) is not taken.
  open: {
    initial: to('starting', 'tls'),
    starting: to('starting'),
    closed: to('req-sent', 'irc', 'scr'),
    stopped: to('stopped'),
    closing: to('stopping'),
    stopping: to('stopping'),
    'req-sent': to('req-sent'),
    'ack-rcvd': to('ack-rcvd'),
    'ack-sent': to('ack-sent'),
    opened: to('opened'),
  },
  close: {
    initial: to('initial'),
    starting: to('initial', 'tlf'),
    closed: to('closed'),
    stopped: to('closed'),
    closing: to('closing'),
    stopping: to('closing'),
    'req-sent': to('closing', 'irc', 'str'),
    'ack-rcvd': to('closing', 'irc', 'str'),
    'ack-sent': to('closing', 'irc', 'str'),
    opened: to('closing', 'tld', 'irc', 'str'),
  },
  'to+': {
    closing: to('closing', 'str'),
    stopping: to('stopping', 'str'),
    'req-sent': to('req-sent', 'scr'),
    'ack-rcvd': to('req-sent', 'scr'),
    'ack-sent': to('ack-sent', 'scr'),
  },
  // The [p] passive option (no tlf on TO- while configuring) is not taken: a probe wants the failure.
  'to-': {
    closing: to('closed', 'tlf'),
    stopping: to('stopped', 'tlf'),
    'req-sent': to('stopped', 'tlf'),
    'ack-rcvd': to('stopped', 'tlf'),
    'ack-sent': to('stopped', 'tlf'),
  },
  'rcr+': {
    closed: to('closed', 'sta'),
    stopped: to('ack-sent', 'irc', 'scr', 'sca'),
    closing: to('closing'),
    stopping: to('stopping'),
    'req-sent': to('ack-sent', 'sca'),
    'ack-rcvd': to('opened', 'sca', 'tlu'),
    'ack-sent': to('ack-sent', 'sca'),
    opened: to('ack-sent', 'tld', 'scr', 'sca'),
  },
  'rcr-': {
    closed: to('closed', 'sta'),
    stopped: to('req-sent', 'irc', 'scr', 'scn'),
    closing: to('closing'),
    stopping: to('stopping'),
    'req-sent': to('req-sent', 'scn'),
    'ack-rcvd': to('ack-rcvd', 'scn'),
    'ack-sent': to('req-sent', 'scn'),
    opened: to('req-sent', 'tld', 'scr', 'scn'),
  },
  rca: {
    closed: to('closed', 'sta'),
    stopped: to('stopped', 'sta'),
    closing: to('closing'),
    stopping: to('stopping'),
    'req-sent': to('ack-rcvd', 'irc'),
    'ack-rcvd': to('req-sent', 'scr'), // [x] crossed connection
    'ack-sent': to('opened', 'irc', 'tlu'),
    opened: to('req-sent', 'tld', 'scr'), // [x]
  },
  rcn: {
    closed: to('closed', 'sta'),
    stopped: to('stopped', 'sta'),
    closing: to('closing'),
    stopping: to('stopping'),
    'req-sent': to('req-sent', 'irc', 'scr'),
    'ack-rcvd': to('req-sent', 'scr'), // [x]
    'ack-sent': to('ack-sent', 'irc', 'scr'),
    opened: to('req-sent', 'tld', 'scr'), // [x]
  },
  rtr: {
    closed: to('closed', 'sta'),
    stopped: to('stopped', 'sta'),
    closing: to('closing', 'sta'),
    stopping: to('stopping', 'sta'),
    'req-sent': to('req-sent', 'sta'),
    'ack-rcvd': to('req-sent', 'sta'),
    'ack-sent': to('req-sent', 'sta'),
    opened: to('stopping', 'tld', 'zrc', 'sta'),
  },
  rta: {
    closed: to('closed'),
    stopped: to('stopped'),
    closing: to('closed', 'tlf'),
    stopping: to('stopped', 'tlf'),
    'req-sent': to('req-sent'),
    'ack-rcvd': to('req-sent'),
    'ack-sent': to('ack-sent'),
    opened: to('req-sent', 'tld', 'scr'),
  },
  ruc: {
    closed: to('closed', 'scj'),
    stopped: to('stopped', 'scj'),
    closing: to('closing', 'scj'),
    stopping: to('stopping', 'scj'),
    'req-sent': to('req-sent', 'scj'),
    'ack-rcvd': to('ack-rcvd', 'scj'),
    'ack-sent': to('ack-sent', 'scj'),
    opened: to('opened', 'scj'),
  },
  'rxj+': {
    closed: to('closed'),
    stopped: to('stopped'),
    closing: to('closing'),
    stopping: to('stopping'),
    'req-sent': to('req-sent'),
    'ack-rcvd': to('req-sent'), // 6, as printed in RFC 1661 (not 7)
    'ack-sent': to('ack-sent'),
    opened: to('opened'),
  },
  'rxj-': {
    closed: to('closed', 'tlf'),
    stopped: to('stopped', 'tlf'),
    closing: to('closed', 'tlf'),
    stopping: to('stopped', 'tlf'),
    'req-sent': to('stopped', 'tlf'),
    'ack-rcvd': to('stopped', 'tlf'),
    'ack-sent': to('stopped', 'tlf'),
    opened: to('stopping', 'tld', 'irc', 'str'),
  },
  rxr: {
    closed: to('closed'),
    stopped: to('stopped'),
    closing: to('closing'),
    stopping: to('stopping'),
    'req-sent': to('req-sent'),
    'ack-rcvd': to('ack-rcvd'),
    'ack-sent': to('ack-sent'),
    opened: to('opened', 'ser'),
  },
};
