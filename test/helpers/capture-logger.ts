import type { LoggerService } from '@nestjs/common';

export type LogLevel = 'log' | 'error' | 'warn' | 'debug' | 'verbose' | 'fatal';

export interface LogLine {
  at: number;
  level: LogLevel;
  context: string | undefined;
  text: string;
}

/**
 * A Nest LoggerService that keeps every line in memory, so a test can search all log
 * output of a run (for a secret, or for how many lines an outage produced).
 */
export class CaptureLogger implements LoggerService {
  readonly lines: LogLine[] = [];

  log(message: unknown, ...rest: unknown[]): void {
    this.push('log', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.push('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.push('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.push('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.push('verbose', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.push('fatal', message, rest);
  }

  /** Lines of the cache module (any cache: context `IdeaGraphCache:<name>`) written at or after `since`. */
  cacheLines(since = 0): LogLine[] {
    return this.lines.filter(
      (line) =>
        line.at >= since && (line.context === 'IdeaGraphCache' || line.context?.startsWith('IdeaGraphCache:') === true),
    );
  }

  /** Every captured line, with its parameters, as one text. */
  text(): string {
    return this.lines.map((line) => `${line.level} [${line.context ?? ''}] ${line.text}`).join('\n');
  }

  private push(level: LogLevel, message: unknown, rest: unknown[]): void {
    // Nest passes the context as the last parameter; anything before it (a stack) is kept in the text.
    const context = typeof rest[rest.length - 1] === 'string' ? (rest[rest.length - 1] as string) : undefined;
    const extra = rest.slice(0, context === undefined ? rest.length : -1).map(stringify);
    this.lines.push({ at: Date.now(), level, context, text: [stringify(message), ...extra].join(' ') });
  }
}

function stringify(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Error) return `${value.name}: ${value.message}\n${value.stack ?? ''}`;
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}
