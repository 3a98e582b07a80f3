/**
 * Counts calls that did not return the real answer: a fallback after a timeout, a miss
 * where a hit was due. A fallback comes back fast, so a row built on such calls would
 * flatter whoever failed; such a row is marked invalid instead.
 */
export class AnswerCheck {
  private readonly wrong = new Map<string, number>();

  expect<T>(contender: string, call: Promise<T>, isRight: (value: T) => boolean): Promise<T> {
    return call.then((value) => {
      if (!isRight(value)) this.wrong.set(contender, (this.wrong.get(contender) ?? 0) + 1);
      return value;
    });
  }

  /** A description of the wrong answers among `contenders`, or undefined if there were none. */
  problem(...contenders: string[]): string | undefined {
    const parts = contenders
      .filter((name) => this.wrong.has(name))
      .map((name) => `${name}: ${this.wrong.get(name)} wrong answers`);
    return parts.length > 0 ? parts.join(', ') : undefined;
  }
}
