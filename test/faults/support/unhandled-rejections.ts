import { runInThisContext } from 'node:vm';

/**
 * Counts promise rejections nobody handled while it is installed. Jest hands each test file
 * a copy of `process` on which Node never emits 'unhandledRejection'; the real process
 * object is the one of the main context, which the vm module evaluates in.
 */
export class UnhandledRejections {
  readonly reasons: unknown[] = [];
  private readonly realProcess = runInThisContext('process') as NodeJS.Process;
  private readonly listener = (reason: unknown): void => {
    this.reasons.push(reason);
  };

  install(): void {
    this.realProcess.on('unhandledRejection', this.listener);
  }

  uninstall(): void {
    this.realProcess.off('unhandledRejection', this.listener);
  }

  get count(): number {
    return this.reasons.length;
  }
}
