// The probers by check kind, like blackbox_exporter's `Probers` map: a cycle or command looks a prober up
// by the kind a target asks for, and never imports one by name. The list itself is in shared/probers/
// index.ts (this file may not import a prober: the contract sits below them).
import { PptpMonitorError } from '../common/errors.js';
import type { ProbeDeps } from './deps.js';
import type { Prober } from './prober.js';
import type { ProbeOptions, ProbeResult, ProbeTarget } from './types.js';

/** A kind no prober registered: a bug in the caller or the registry, never a state of a gateway. */
export class UnknownCheckKindError extends PptpMonitorError<'unknown_check_kind'> {
  // Spelled out: the Lambda bundle is minified without keepNames, so the class's own name is mangled.
  override readonly name = 'UnknownCheckKindError';

  constructor(kind: string, known: readonly string[]) {
    super('unknown_check_kind', `no prober for check kind '${kind}' (registered: ${known.join(', ')})`);
  }
}

export interface ProberRegistry<Kind extends string = string> {
  /** The registered kinds, in registration order. */
  readonly kinds: readonly Kind[];
  /** The prober of `kind` (a string: kinds may come from outside the code); throws UnknownCheckKindError for one nothing registered. */
  proberFor(kind: string): Prober;
}

/** A registry of `probers`; two probers for one kind are refused. */
export function createProberRegistry<Kind extends string>(probers: readonly (Prober & { readonly kind: Kind })[]): ProberRegistry<Kind> {
  const byKind = new Map<string, Prober>();
  for (const prober of probers) {
    if (byKind.has(prober.kind)) throw new TypeError(`two probers for check kind '${prober.kind}'`);
    byKind.set(prober.kind, prober);
  }
  const kinds = probers.map((p) => p.kind);
  return {
    kinds,
    proberFor(kind) {
      const prober = byKind.get(kind);
      if (prober === undefined) throw new UnknownCheckKindError(kind, kinds);
      return prober;
    },
  };
}

/** Probing by check kind on one set of deps: what a cycle is handed (the runner binds its sockets and abort signal). */
export type ProbeByKind = (check: string, target: ProbeTarget, options: Partial<ProbeOptions>) => Promise<ProbeResult>;

export function probeByKind(registry: ProberRegistry, deps: ProbeDeps): ProbeByKind {
  return (check, target, options) => registry.proberFor(check).probe(target, options, deps);
}
