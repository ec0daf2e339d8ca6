// Options objects are checked, not trusted: a misspelt option name would otherwise be silently ignored
// (middy's rule for its middlewares, ours for every factory that takes options).

/** Throws `make(message)` naming the first key of `options` not in `known`, and the known ones. */
export function rejectUnknownOptions(what: string, options: object | undefined, known: readonly string[], make: (message: string) => Error = (m) => new TypeError(m)): void {
  for (const key of Object.keys(options ?? {})) {
    if (!known.includes(key)) throw make(`${what}: unknown option '${key}' (known: ${known.join(', ')})`);
  }
}
