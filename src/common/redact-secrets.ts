/** Shorter "secrets" would blank out ordinary words in a log line, and are no real secret anyway. */
const MIN_SECRET_LENGTH = 3;

/**
 * Shortest base64 run redacted: a run this long matches ordinary text only by the
 * astronomically unlikely chance, and every real secret (Entra client secrets are 40
 * characters) gives a longer one.
 */
const MIN_BASE64_RUN = 8;

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
    .map(formPattern)
    .join('|');
  return text.replace(new RegExp(pattern, 'g'), '<redacted>');
}

/**
 * A URL in a text may carry a password (`scheme://user:password@host`). Everything from
 * `//` to the last `@` after it is hidden, whatever it holds: a mistyped password may have
 * `/`, `"` or `@` in it. Without `//`, everything before the last `@` is hidden. Hides too
 * much rather than too little (an e-mail address after a URL goes too).
 */
export function hideUserInfo(text: string): string {
  const at = text.lastIndexOf('@');
  if (at < 0) return text;
  const slashes = text.indexOf('//');
  if (slashes >= 0 && slashes < at) return `${text.slice(0, slashes + 2)}<hidden>${text.slice(at)}`;
  return `<hidden>${text.slice(at)}`;
}

/**
 * For log lines: the user info of every URL in the text (`//` up to the last `@` before the
 * next white space) hidden. Narrower than hideUserInfo, since a log line may carry an `@`
 * of its own (a Lua error's `@user_script:1`).
 */
export function hideUrlUserInfo(text: string): string {
  return text.includes('//') ? text.replace(/\/\/\S*@/g, '//<hidden>@') : text;
}

/**
 * The ways a secret reaches a log line or an error: as it is; percent-encoded as a token
 * request body carries it (encodeURIComponent, or a form with '+' for spaces, which
 * URLSearchParams also writes for the few characters it encodes beyond encodeURIComponent;
 * matched with hex digits in any case, %2f as %2F); escaped inside JSON text; and
 * base64 (HTTP Basic credentials `id:secret`, a secret pasted encoded), see base64Runs.
 */
function writtenForms(secret: string): string[] {
  const uri = encodeURIComponent(secret);
  const form = new URLSearchParams({ s: secret }).toString().slice(2);
  return [secret, JSON.stringify(secret).slice(1, -1), uri, uri.replace(/%20/g, '+'), form, ...base64Runs(secret)];
}

/**
 * The base64 text of the secret wherever it sits in the encoded bytes. Base64 writes three
 * bytes as four characters, so the secret's characters depend on its offset modulo 3, and
 * the first and last few also on the bytes around it. For each offset, the run of
 * characters that depend on the secret alone is redacted (in base64 and base64url): at most
 * two bytes' worth at either end stay visible.
 */
function base64Runs(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const runs: string[] = [];
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes])
      .toString('base64')
      .replace(/=+$/, '');
    // Characters that also carry bits of the bytes before (offset 1: 2, offset 2: 3) or after the secret.
    const skipStart = [0, 2, 3][offset];
    const skipEnd = (offset + bytes.length) % 3 === 0 ? 0 : 1;
    const run = encoded.slice(skipStart, encoded.length - skipEnd);
    if (run.length >= MIN_BASE64_RUN) runs.push(run, run.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return runs;
}

/** A form as a pattern: regex characters escaped, and each percent escape's hex digits in either case. */
function formPattern(form: string): string {
  return form
    .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    .replace(/%([0-9A-F])([0-9A-F])/g, (_, high: string, low: string) => `%${eitherCase(high)}${eitherCase(low)}`);
}

function eitherCase(hexDigit: string): string {
  return /[A-F]/.test(hexDigit) ? `[${hexDigit}${hexDigit.toLowerCase()}]` : hexDigit;
}
