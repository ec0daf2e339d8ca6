// The one check that an untrusted value (parsed JSON or YAML, an AWS response) is a plain mapping before
// its fields are read: not null, not an array.
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
