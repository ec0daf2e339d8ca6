// The one HTML escape of the report page and the status page: both put config and network text (target
// names, owners, tags, server identities) into HTML text and quoted attributes. Beside it the one rule for
// which runbook URLs either of them (and the Markdown report) makes clickable.

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML content and for a double- or single-quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/**
 * Whether a runbook URL may become a link: an absolute http(s) URL without white space. The default base
 * is the repository path docs/runbooks/, which as an href would resolve against wherever the page is
 * opened (the status server, a file share, a mail client), none of which serves runbooks; a non-http
 * scheme (javascript:) must never be clickable. Anything else is shown as text.
 */
export function isLinkableUrl(url: string): boolean {
  return /^https?:\/\/[^\s]+$/i.test(url);
}
