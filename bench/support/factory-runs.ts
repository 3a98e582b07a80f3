/** Counts the runs of a factory that must never run (the key is present): any run means the row measured something else. */
export class FactoryRuns {
  private count = 0;

  /** A factory that counts its runs and answers `value`. */
  factory<T>(value: T): () => T {
    return () => {
      this.count++;
      return value;
    };
  }

  problem(what: string): string | undefined {
    return this.count > 0 ? `${what} ran its factory ${this.count} times: not hits` : undefined;
  }
}
