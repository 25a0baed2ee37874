/**
 * Typed errors. Every error the library throws is created and thrown here
 * (`fail`), so messages and codes stay consistent.
 */

import type { JackErrorCode } from './generated/manifest.js';

/** Machine-readable reason for a {@link JackError}; the list lives in shim/manifest.json. */
export type { JackErrorCode } from './generated/manifest.js';
export { ERROR_CODES } from './generated/manifest.js';

/** Any error raised by jackwasm. */
export class JackError extends Error {
  /** Why it failed. */
  readonly code: JackErrorCode;
  /** The raw status code a JACK function returned, where there was one. */
  readonly jackCode: number | undefined;
  /** For DSP_TRAP: the trap's kind ('div-by-zero', ...), code, the export it happened in, and the frame of the block. */
  readonly trap: TrapDetails | undefined;
  /** For INPUT_SYNC / OUTPUT_SYNC: the block `client.process()` still delivered, and what was missed. */
  readonly sync: SyncDetails | undefined;

  constructor(code: JackErrorCode, message: string, options?: ErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'JackError';
    this.code = code;
    this.jackCode = options?.jackCode;
    this.trap = options?.trap;
    this.sync = options?.sync;
  }
}

/** What an INPUT_SYNC / OUTPUT_SYNC error says about the block. */
export interface SyncDetails {
  /** JACK frame time of the input block's first frame (the input arrays hold it). */
  frame: number;
  /** Input frames dropped just before this block. */
  inputLostFrames: number;
  /** Output frames played as silence since the previous call. */
  outputUnderrunFrames: number;
}

/** What a DSP_TRAP error says about the trap. */
export interface TrapDetails {
  kind: string;
  code: number;
  where: string;
  frame: number;
}

export interface ErrorOptions {
  jackCode?: number;
  cause?: unknown;
  trap?: TrapDetails;
  sync?: SyncDetails;
}

/** Failure to open a client; `status` says why, bit by bit. */
export class JackOpenError extends JackError {
  readonly status: import('./status.js').Status;
  readonly clientName: string;

  constructor(clientName: string, status: import('./status.js').Status, message: string) {
    super('OPEN_FAILED', message, { jackCode: status.value });
    this.name = 'JackOpenError';
    this.status = status;
    this.clientName = clientName;
  }
}

/** Throws a {@link JackError}. The one place the library throws. */
export function fail(code: JackErrorCode, message: string, options?: ErrorOptions): never {
  throw new JackError(code, message, options);
}

/** Throws `err` (already built, e.g. a JackOpenError). */
export function raise(err: JackError): never {
  throw err;
}

/** Throws JACK_FAILED when a JACK call returned non-zero. */
export function check(rc: number | null, what: string): void {
  if (rc === null) fail('CLIENT_CLOSED', `${what}: the client is closed`);
  if (rc !== 0) fail('JACK_FAILED', `${what} failed (JACK error ${rc})`, { jackCode: rc });
}

/** Throws INVALID_ARGUMENT unless `ok`. */
export function require_(ok: boolean, message: string): asserts ok {
  if (!ok) fail('INVALID_ARGUMENT', message);
}

/**
 * Refuses option keys `who` does not know (a misspelt option would
 * otherwise be ignored without a word). @throws INVALID_ARGUMENT
 */
export function checkOptionKeys(options: object, known: readonly string[], who: string): void {
  for (const k of Object.keys(options)) {
    if (!known.includes(k)) fail('INVALID_ARGUMENT', `${who}: unknown option "${k}" (known: ${known.join(', ')})`);
  }
}
