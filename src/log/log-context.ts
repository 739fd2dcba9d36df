import { AsyncLocalStorage } from 'node:async_hooks';

export type LogFields = Record<string, string>;

/**
 * Fields added to every log line written while some work runs, wherever in the call tree it logs: the HTTP
 * access log runs each request inside `run({ requestId })`, so the vault's or the connect flow's lines carry the
 * request id without each call site passing a child logger down. One per logger (createLogger's `context`).
 */
export interface LogContext {
  run<T>(fields: LogFields, work: () => T): T;
  /** The fields of the work running now (empty outside any), as a new object each call. */
  fields(): LogFields;
}

export function createLogContext(): LogContext {
  const storage = new AsyncLocalStorage<LogFields>();
  return {
    run: (fields, work) => storage.run({ ...storage.getStore(), ...fields }, work),
    // A copy: pino's mixin merge assigns the line's own fields into the object it is given.
    fields: () => ({ ...storage.getStore() }),
  };
}
