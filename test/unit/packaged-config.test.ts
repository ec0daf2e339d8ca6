import { describe, expect, it } from 'vitest';
import { packConfig, packProbeConfig, unpackConfig, unpackProbeConfig } from '../../shared/config/packaged.js';
import { probeConfigOf } from '../../shared/config/probe-config.js';
import { parseConfig, type ResolvedConfig } from '../../shared/config/index.js';

function config(): ResolvedConfig {
  const parsed = parseConfig('version: 1\nhomeRegion: eu-central-1\ndefaults: { regions: [eu-west-1] }\ntargets:\n  - { name: hq-gw, host: vpn.example.com }\n', 't.yml');
  if (!parsed.ok) throw new Error('fixture');
  return parsed.config;
}

describe('packaged config', () => {
  it('round-trips the resolved config and is deterministic', () => {
    const text = packConfig(config());
    expect(packConfig(config())).toBe(text);
    expect(unpackConfig(text, 'config.json')).toEqual(config());
  });

  it('refuses an edited, truncated or foreign file with a message that says what to do', () => {
    const text = packConfig(config());
    expect(() => unpackConfig(text.replace('vpn.example.com', 'vpn.evil.example'), 'c.json')).toThrow(
      'c.json: sha256 does not match the config: the artifact was edited or corrupted; run npm run package',
    );
    expect(() => unpackConfig(text.slice(0, text.length - 40), 'c.json')).toThrow('sha256 does not match');
    expect(() => unpackConfig('{"version":1}', 'c.json')).toThrow('c.json: not a packaged config (the first line must name the format pptp-monitor/resolved-config@1); run npm run package');
    expect(() => unpackConfig('', 'c.json')).toThrow('not a packaged config');
  });

  it('checks the shape the functions rely on even when the digest matches', async () => {
    const { createHash } = await import('node:crypto');
    const body = JSON.stringify({ ...config(), targets: [{ name: 'x', host: 'y', port: 1723, timeout: 5000, attempts: 1, intervalMinutes: 2, regions: ['eu-west-1'], checks: {} }] });
    const forged = `${JSON.stringify({ format: 'pptp-monitor/resolved-config@1', sha256: createHash('sha256').update(body).digest('hex') })}\n${body}\n`;
    expect(() => unpackConfig(forged, 'c.json')).toThrow('c.json: config.targets[0].intervalMinutes: must be 1 or 5');
  });

  it('packs the probe projection under its own format, which the full loader refuses (and the reverse)', () => {
    const probeText = packProbeConfig(probeConfigOf(config()));
    expect(unpackProbeConfig(probeText, 'p.json')).toEqual({
      version: 1,
      namespace: 'PPTPMonitor',
      homeRegion: 'eu-central-1',
      runbookBaseUrl: 'docs/runbooks/',
      regions: ['eu-west-1'],
      targets: [{ name: 'hq-gw', host: 'vpn.example.com', port: 1723, regions: ['eu-west-1'], interval: '1m', intervalMinutes: 1, checks: { echo: true, call: false }, timeout: 5000, attempts: 1 }],
    });
    expect(() => unpackConfig(probeText, 'p.json')).toThrow('p.json: not a packaged config (the first line must name the format pptp-monitor/resolved-config@1)');
    expect(() => unpackProbeConfig(packConfig(config()), 'c.json')).toThrow('c.json: not a packaged config (the first line must name the format pptp-monitor/probe-config@1)');
  });
});
