/** Every message on every channel is an object with a string `type` (a discriminated union per direction). */
export interface Message {
  type: string;
}

/** Checks an inbound value; returns the typed message, or a sentence saying why it was rejected. */
export type MessageValidator<In extends Message> = (raw: unknown) => In | string;

type Handler<In extends Message, K extends In['type']> = (message: Extract<In, { type: K }>) => void | Promise<void>;

/**
 * One typed, validating message handler reused for every channel: host ↔ worker and host ↔ webview, on either
 * side. Inbound messages are validated before dispatch; a rejected one goes to `onInvalid` and nowhere else.
 */
export class MessageChannel<In extends Message, Out extends Message> {
  private readonly handlers = new Map<string, (message: In) => void | Promise<void>>();

  constructor(
    private readonly post: (message: Out) => void,
    private readonly validate: MessageValidator<In>,
    private readonly onInvalid: (reason: string, raw: unknown) => void = () => undefined,
    private readonly onHandlerError: (error: unknown, message: In) => void = () => undefined,
  ) {}

  /** Registers the handler of one message type; returns a function that unregisters it. */
  on<K extends In['type']>(type: K, handler: Handler<In, K>): () => void {
    this.handlers.set(type, handler as (message: In) => void | Promise<void>);
    return () => this.handlers.delete(type);
  }

  send(message: Out): void {
    this.post(message);
  }

  /** Feeds one raw inbound value (from postMessage / parentPort). */
  receive(raw: unknown): void {
    const result = this.validate(raw);
    if (typeof result === 'string') {
      this.onInvalid(result, raw);
      return;
    }
    const handler = this.handlers.get(result.type);
    if (!handler) return;
    try {
      const pending = handler(result);
      if (pending instanceof Promise) pending.catch((error: unknown) => this.onHandlerError(error, result));
    } catch (error) {
      this.onHandlerError(error, result);
    }
  }
}
