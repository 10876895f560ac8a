/**
 * How a plain request learns that its identity ended (or the gate's drain timed out): cheaper than an AbortController
 * on every request, and it remembers, so a step that starts late (the upstream
 * dispatch) still sees an end that came first.
 *
 * @example
 * const cut = new Cut();
 * cut.listen((why) => controller.abort(why));
 * cut.fire(err); // once; later fires are ignored
 */
export class Cut {
  #reason: Error | null = null;
  #listener: ((why: Error) => void) | null = null;

  /** Why the exchange was ended, or null while it may go on. */
  get reason(): Error | null {
    return this.#reason;
  }

  /** End the exchange for `why`; false when nobody listens yet (the caller ends what runs before that). */
  fire(why: Error): boolean {
    if (!this.#reason) {
      this.#reason = why;
      this.#listener?.(why);
    }
    return this.#listener !== null;
  }

  /** The one listener (the forwarder); called at once if already fired. */
  listen(fn: (why: Error) => void): void {
    this.#listener = fn;
    if (this.#reason) fn(this.#reason);
  }
}
