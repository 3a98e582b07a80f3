import type { HeldToken } from './graph-token.types';
import type { SharedToken } from './shared-token.store';

/**
 * The token this process hands out, the value it has in the shared cache (for a
 * compare-and-delete on invalidate), and the token Graph last rejected, which is never
 * adopted again even if a cache still holds it.
 */
export class HeldTokenSlot {
  private held: HeldToken | undefined;
  private heldStored: unknown;
  private invalidatedToken: string | undefined;

  get token(): HeldToken | undefined {
    return this.held;
  }

  /** The token Graph rejected last, if any. */
  get rejected(): string | undefined {
    return this.invalidatedToken;
  }

  /** Keeps `token` unless the held one is newer and still good: a slower, older answer must not replace a newer token. */
  adopt({ token, stored }: SharedToken): void {
    if (
      !this.held ||
      this.held.accessToken === this.invalidatedToken ||
      token.expiresOn >= this.held.expiresOn ||
      Date.now() >= this.held.usableUntil
    ) {
      this.held = token;
      this.heldStored = stored;
    }
  }

  /** The held token, if it is neither rejected nor past its usable time. */
  usable(): HeldToken | undefined {
    const held = this.held;
    return held && held.accessToken !== this.invalidatedToken && Date.now() < held.usableUntil ? held : undefined;
  }

  /** Graph rejected `accessToken`: dropped if it is the held one, never adopted again. */
  reject(accessToken: string): void {
    this.invalidatedToken = accessToken;
    if (this.held?.accessToken === accessToken) this.drop();
  }

  /** Drops whatever is held, as rejected; what it was and its stored value, to delete the shared entry only if it still holds it. */
  rejectHeld(): { token: HeldToken | undefined; stored: unknown } {
    const token = this.held;
    const stored = this.heldStored;
    this.drop();
    if (token) this.invalidatedToken = token.accessToken;
    return { token, stored };
  }

  private drop(): void {
    this.held = undefined;
    this.heldStored = undefined;
  }
}
