/** How much of a foreign text a log line shows by default: enough to recognise it, too little to flood. */
export const LOG_TEXT_MAX_CHARS = 120;

/**
 * Characters that could forge or hide part of a log line: C0 and C1 controls (a newline
 * starts a fake line), format characters (bidi overrides reorder what a reader sees), line
 * and paragraph separators, lone surrogates; and the quote and backslash, so the quoted text
 * cannot seem to end early and an escape in the output always comes from here.
 */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\\"]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/gu;

/**
 * Text from outside the process (a value read from the store, a caller's argument) as it
 * may appear in a log line: quoted, every unsafe character escaped as \uXXXX (the
 * quote and backslash as \" and \\), and cut to `maxChars` with the number of characters left out. One
 * helper for every such line, so no log call has its own idea of "safe".
 */
export function logText(text: unknown, maxChars = LOG_TEXT_MAX_CHARS): string {
  const raw = typeof text === 'string' ? text : printable(text);
  let shown = raw.length > maxChars ? raw.slice(0, maxChars) : raw;
  // Do not cut a surrogate pair in two: the half left would be escaped as a lone surrogate.
  if (shown.length < raw.length && /[\uD800-\uDBFF]$/.test(shown)) shown = shown.slice(0, -1);
  const escaped = shown.replace(UNSAFE, (unsafe) =>
    unsafe === '\\' || unsafe === '"' ? `\\${unsafe}` : `\\u${unsafe.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  const omitted = raw.length - shown.length;
  return `"${escaped}"${omitted > 0 ? `... (${omitted} more characters)` : ''}`;
}

/** Control and format characters, separators and lone surrogates: what could break a line or hide part of it. */
const LINE_BREAKING =
  /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/gu;

/** Longest log line written whole; a longer one is cut, with the count of characters left out. */
export const LOG_LINE_MAX_CHARS = 2000;

/**
 * A whole log line whose parts may carry foreign text (an upstream error message, a
 * server's error reply): made one line, by the escapes of logText, and cut to `maxChars`.
 * A last guard for lines assembled elsewhere; a value known to be foreign goes through
 * logText where it is put into the line.
 */
export function logLine(line: string, maxChars = LOG_LINE_MAX_CHARS): string {
  const escaped = line.replace(LINE_BREAKING, (unsafe) => `\\u${unsafe.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return escaped.length > maxChars
    ? `${escaped.slice(0, maxChars)}... (${escaped.length - maxChars} more characters)`
    : escaped;
}

function printable(value: unknown): string {
  try {
    return String(value);
  } catch {
    return '[no text]';
  }
}
