/** Shorter "secrets" would blank out ordinary words in a log line, and are no real secret anyway. */
const MIN_SECRET_LENGTH = 3;

/** `text` with every occurrence of each secret, in any of the forms below, replaced by `<redacted>`. */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret && secret.length >= MIN_SECRET_LENGTH) for (const form of writtenForms(secret)) forms.add(form);
  }
  if (forms.size === 0) return text;
  // Longest first, in one pass: a form that contains another is replaced whole.
  const pattern = [...forms]
    .sort((a, b) => b.length - a.length)
    .map(escapeForPattern)
    .join('|');
  return text.replace(new RegExp(pattern, 'g'), '<redacted>');
}

/**
 * The ways a secret reaches a log line or an error: as it is; percent-encoded as a token
 * request body carries it (encodeURIComponent, or a form with '+' for spaces, which
 * URLSearchParams also writes for the few characters it encodes beyond encodeURIComponent);
 * and escaped inside JSON text.
 */
function writtenForms(secret: string): string[] {
  const uri = encodeURIComponent(secret);
  const form = new URLSearchParams({ s: secret }).toString().slice(2);
  const encoded = [uri, uri.replace(/%20/g, '+'), form];
  // Percent escapes mean the same in either case: %2f is %2F.
  const lowerHex = encoded.map((value) => value.replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase()));
  return [secret, JSON.stringify(secret).slice(1, -1), ...encoded, ...lowerHex];
}

function escapeForPattern(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
