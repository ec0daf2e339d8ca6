// The contract every prober meets, as blackbox_exporter's probers do: a target, its options and the
// outside world in, a result out, and a value for every state of the gateway. The caller (a cycle or a
// command) owns the run around it: starting the clock for its own figures, publishing, the verdict.
import type { ProbeDeps } from './deps.js';
import type { FailureClass } from './failure-classes.js';
import type { ProbeOptions, ProbeResult, ProbeTarget } from './types.js';

/**
 * Probes one target. Resolves for every state of the gateway (an unhealthy gateway is a result with a
 * failure) and rejects only for a bug or when this machine cannot run the prober at all (the login
 * prober without CAP_NET_RAW, or with no password to read): that is never the gateway's state, so it
 * must not be recorded as a failure of the gateway. Options the caller leaves out take the prober's
 * defaults.
 */
export type ProbeFn<O extends ProbeOptions = ProbeOptions> = (target: ProbeTarget, options: Partial<O>, deps: ProbeDeps) => Promise<ProbeResult>;

/**
 * What every prober reads of a configured target (a resolved monitor.yml target, or the probe function's
 * projection of it). A prober reads its own settings from the same target: its option schema names them.
 */
export interface ConfiguredTarget {
  name: string;
  host: string;
  port: number;
  /** Deadline of one probe, retries included, in ms. */
  timeout: number;
  attempts: number;
}

/**
 * A prober's on/off settings in monitor.yml, as data rather than a zod schema: the Lambda's init check
 * reads it too, and zod stays out of the Lambda bundles. They sit in one mapping per target (`checks: {
 * echo, call }` for the control probe, `login: { data }` beside the login's credentials); shared/config
 * builds its validation from this.
 */
export interface ProberOptionSchema<Switch extends string = string> {
  /** The per-target mapping of monitor.yml that holds the switches. */
  key: 'checks' | 'login';
  /** Each switch with its default, in the order the resolved config lists them. */
  switches: Readonly<Record<Switch, boolean>>;
}

export interface Prober<O extends ProbeOptions = ProbeOptions, T extends ConfiguredTarget = ConfiguredTarget> {
  /** The check kind it answers for: its key in the registry. */
  readonly kind: string;
  /** Every option's default. */
  readonly defaults: Readonly<O>;
  /** Its settings in monitor.yml. */
  readonly optionSchema: ProberOptionSchema;
  /** Every class its results can carry, in taxonomy order: what a reader of its failures asks for (one metric series per class). */
  readonly failureClasses: readonly FailureClass[];
  readonly probe: ProbeFn<O>;
  // A method, so that a registry of probers with their own target settings is a list of Prober: each
  // prober is only ever handed targets of its own kind (the registry looks it up by that kind).
  /** The options a configured target asks for: its deadline, attempts and settings; the rest from `base`. */
  optionsFor(target: T, base?: Readonly<O>): O;
}
