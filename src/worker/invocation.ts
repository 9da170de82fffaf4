import { InProcessRouter } from '../messaging/in-process-router.js';
import { newInvocationId } from '../messaging/invocation-id.js';
import type { MessageRouter } from '../messaging/types.js';
import type { WorkerLogger } from './options.js';

/**
 * @internal A task's invocation as the message router knows it: registered when the task starts,
 * finished when `run` ends. A router failure costs messaging, never the task: it is logged.
 *
 * With the in-process router (the default) the router is told at once, with no promise to wait for,
 * and only of an id that left the task while it ran (`info`, `messaging`): an id nobody has seen
 * cannot be messaged, and a task that never shows its id costs the router nothing.
 */
export class TaskInvocation {
  readonly id = newInvocationId();
  readonly #router: MessageRouter;
  readonly #task: { readonly log: WorkerLogger };
  /** In-process router: true while the task runs and its id has not left it. */
  #registerOnSight = false;
  #registered = false;

  constructor(router: MessageRouter, task: { readonly log: WorkerLogger }) {
    this.#router = router;
    this.#task = task;
  }

  /** The id is about to leave the task: registers it now if that waited for this. */
  sighted(): void {
    if (!this.#registerOnSight) return;
    this.#registerOnSight = false;
    try {
      (this.#router as InProcessRouter).registerNow(this.id, true);
      this.#registered = true;
    } catch (error) {
      this.#failed('register', error);
    }
  }

  /**
   * Tells the router the invocation runs / finished. The promise returned never rejects; undefined
   * when there is nothing to wait for.
   */
  tell(step: 'register' | 'finish'): Promise<void> | undefined {
    const router = this.#router;
    try {
      if (Object.getPrototypeOf(router) === InProcessRouter.prototype) {
        this.#registerOnSight = step === 'register';
        if (step === 'finish' && this.#registered) (router as InProcessRouter).finishNow(this.id);
        return undefined;
      }
      const answer: unknown = router[step](this.id);
      return typeof (answer as PromiseLike<void> | undefined)?.then === 'function'
        ? Promise.resolve(answer as PromiseLike<void>).then(undefined, (error: unknown) => this.#failed(step, error))
        : undefined;
    } catch (error) {
      this.#failed(step, error);
      return undefined;
    }
  }

  #failed(step: 'register' | 'finish', error: unknown): void {
    this.#task.log.warn({ err: error, invocationId: this.id }, `message router: ${step} failed; messages to this invocation may fail`);
  }
}
