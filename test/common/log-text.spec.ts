import { logLine, logText } from '../../src/common/log-text';

describe('logText: foreign text as a log line may show it', () => {
  it('quotes it and escapes what could forge or hide part of a line', () => {
    expect(logText('a\nb\r\u0000\u007f\u0085\u2028\u2029\u202e"\\')).toBe(
      '"a\\u000ab\\u000d\\u0000\\u007f\\u0085\\u2028\\u2029\\u202e\\"\\\\"',
    );
  });

  it('escapes lone surrogates and keeps pairs', () => {
    expect(logText('\ud800x\udc00 😀')).toBe('"\\ud800x\\udc00 😀"');
  });

  it('cuts long text, never inside a surrogate pair, and says how much is left out', () => {
    expect(logText('x'.repeat(130))).toBe(`"${'x'.repeat(120)}"... (10 more characters)`);
    expect(logText('😀'.repeat(10), 5)).toBe('"😀😀"... (16 more characters)');
  });

  it('takes any value, even one whose text throws', () => {
    expect(logText(42)).toBe('"42"');
    expect(
      logText({
        toString: () => {
          throw new Error('no');
        },
      }),
    ).toBe('"[no text]"');
  });
});

describe('logLine: a whole line made one line', () => {
  it('escapes line breaks and control characters and leaves quotes alone', () => {
    expect(logLine('reply "ERR x\nFAKE"')).toBe('reply "ERR x\\u000aFAKE"');
  });

  it('cuts a very long line', () => {
    expect(logLine('y'.repeat(2010))).toBe(`${'y'.repeat(2000)}... (10 more characters)`);
  });
});
