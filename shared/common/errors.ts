// The root of every error we throw on purpose: a stable `code` a caller can branch on, and the `cause`
// kept (a wrapped AWS or socket error still says what really happened when it is logged).

export class PptpMonitorError<Code extends string = string> extends Error {
  readonly code: Code;

  constructor(code: Code, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}
