/** Shorter "secrets" would blank out ordinary words in a log line, and are no real secret anyway. */
const MIN_SECRET_LENGTH = 3;

/** `text` with every occurrence of each secret replaced by `<redacted>`. */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= MIN_SECRET_LENGTH) out = out.split(secret).join('<redacted>');
  }
  return out;
}
