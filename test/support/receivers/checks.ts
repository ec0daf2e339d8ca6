// Small schema checks the service models share: each appends '<path>: <problem>' to a list.
import type { IncomingHttpHeaders } from 'node:http';

export type Problems = string[];

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function str(p: Problems, path: string, v: unknown, o: { min?: number; max?: number; required?: boolean } = {}): void {
  if (v === undefined) {
    if (o.required !== false) p.push(`${path}: required`);
    return;
  }
  if (typeof v !== 'string') return void p.push(`${path}: must be a string`);
  if (v.length < (o.min ?? 0)) p.push(`${path}: at least ${o.min} characters`);
  if (o.max !== undefined && v.length > o.max) p.push(`${path}: at most ${o.max} characters, got ${v.length}`);
}

export function oneOf(p: Problems, path: string, v: unknown, values: readonly unknown[]): void {
  if (!values.includes(v)) p.push(`${path}: must be one of ${values.join(', ')}, got ${JSON.stringify(v)}`);
}

export function onlyKeys(p: Problems, path: string, v: Record<string, unknown>, allowed: readonly string[]): void {
  for (const key of Object.keys(v)) if (!allowed.includes(key)) p.push(`${path}: unknown key ${key}`);
}

export function absoluteUrl(p: Problems, path: string, v: unknown, max = 3000): void {
  str(p, path, v, { max });
  if (typeof v !== 'string') return;
  try {
    const url = new URL(v);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') p.push(`${path}: must be an http(s) URL`);
  } catch {
    p.push(`${path}: must be an absolute URL, got ${JSON.stringify(v)}`);
  }
}

/** RFC 3339 / ISO 8601 date-time with a zone. */
export function dateTime(p: Problems, path: string, v: unknown): void {
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(v) || Number.isNaN(Date.parse(v))) p.push(`${path}: must be an RFC 3339 date-time, got ${JSON.stringify(v)}`);
}

export function stringMap(p: Problems, path: string, v: unknown): void {
  if (!isObject(v)) return void p.push(`${path}: must be an object of strings`);
  for (const [k, value] of Object.entries(v)) if (typeof value !== 'string') p.push(`${path}.${k}: must be a string`);
}

/** Content-Type JSON and our User-Agent, as every request of ours carries them. */
export function jsonRequestHeaders(p: Problems, headers: IncomingHttpHeaders | Record<string, unknown>): void {
  const h = headers as IncomingHttpHeaders;
  if (!/^application\/json\b/.test(h['content-type'] ?? '')) p.push(`content-type: must be application/json, got ${JSON.stringify(h['content-type'])}`);
  if (!/^pptp-monitor\/\d+\.\d+\.\d+/.test(h['user-agent'] ?? '')) p.push(`user-agent: must be pptp-monitor/<version>, got ${JSON.stringify(h['user-agent'])}`);
}
