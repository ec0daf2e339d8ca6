// What a group policy or identity event says, for every channel: the headline after the target name and
// the lines of the email, from the notification's group, identity and failovers. Pure.
import { describeIdentity, fingerprintNames, formatFirmware } from '../sla/identity.js';
import type { IdentityView, Notification } from '../sla/notification.js';
import { clip, iso, listInline } from './render-format.js';

const identityText = (v: IdentityView): string =>
  `${v.member !== undefined ? `${clip(v.member)}: ` : ''}${describeIdentity(v.fingerprint, v.hostname !== undefined && v.vendor !== undefined ? { hostname: clip(v.hostname), vendor: clip(v.vendor), firmwareRevision: v.firmwareRevision } : undefined)}`;

/** What changed between two identities, in words: the firmware revision, or the names. */
export function identityChange(n: Notification): string {
  const change = n.identity;
  if (change === undefined) return 'identity changed';
  const { from, to } = change;
  if (from.firmwareRevision !== to.firmwareRevision && fingerprintNames(from.fingerprint) === fingerprintNames(to.fingerprint)) return `firmware ${formatFirmware(from.firmwareRevision)} -> ${formatFirmware(to.firmwareRevision)}`;
  if (from.hostname !== undefined && to.hostname !== undefined && from.vendor !== undefined && to.vendor !== undefined) {
    const parts: string[] = [];
    if (from.hostname !== to.hostname) parts.push(`host name ${JSON.stringify(clip(from.hostname))} -> ${JSON.stringify(clip(to.hostname))}`);
    if (from.vendor !== to.vendor) parts.push(`vendor ${JSON.stringify(clip(from.vendor))} -> ${JSON.stringify(clip(to.vendor))}`);
    if (from.firmwareRevision !== to.firmwareRevision) parts.push(`firmware ${formatFirmware(from.firmwareRevision)} -> ${formatFirmware(to.firmwareRevision)}`);
    return parts.join(', ');
  }
  return `host name or vendor changed (firmware ${formatFirmware(from.firmwareRevision)} -> ${formatFirmware(to.firmwareRevision)})`;
}

/** The firing headline of a group policy or identity event (the subject after the target name). */
export function groupHeadline(n: Notification): string {
  const g = n.group;
  switch (n.policy) {
    case 'redundancy_lost':
      return `REDUNDANCY LOST: ${clip(n.target)} down${g !== undefined && g.serving.length > 0 ? `, ${listInline(g.serving)} serving` : ''}`;
    case 'membership_wrong':
      return `MEMBERSHIP WRONG: every member down (${listInline(g?.down ?? [])}), yet the virtual address answers`;
    case 'failover':
      return `FAILOVER: ${clip(n.identity?.to.member ?? 'another node')} now serving (was ${clip(n.identity?.from.member ?? 'unknown')})`;
    case 'failover_flapping':
      return `FAILOVER FLAPPING: ${n.failovers?.length ?? 0} failovers within an hour`;
    case 'firmware_change':
      return `IDENTITY CHANGED: ${identityChange(n)}`;
    default:
      return n.policy;
  }
}

/** The email's lines on the group and the identities (empty for target policies). */
export function groupLines(n: Notification): string[] {
  const lines: string[] = [];
  const g = n.group;
  if (g !== undefined) {
    lines.push(`Group:     ${clip(g.name)} (members ${listInline(g.members)})`);
    lines.push(`Down:      ${g.down.length > 0 ? listInline(g.down) : 'none'}`);
    lines.push(`Serving:   ${g.serving.length > 0 ? listInline(g.serving) : 'none of the members (by their own probes)'}`);
  }
  if (n.identity !== undefined) {
    lines.push(`Before:    ${identityText(n.identity.from)}`);
    lines.push(`After:     ${identityText(n.identity.to)} (first answered ${iso(n.startsAt)})`);
  }
  if (n.failovers !== undefined) lines.push(`Failovers: ${n.failovers.map(iso).join(', ')}`);
  if (n.policy === 'firmware_change') {
    lines.push('After a firmware change, watch the login probe (where configured) for GRE and encryption (MPPE) regressions: control connections can stay healthy while logins fail.');
  }
  if (n.severity === 'info') lines.push('Informational: nothing is down; no incident is open and none will resolve.');
  return lines;
}
