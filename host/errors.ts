/**
 * Typed errors. Every error the library throws is created and thrown here
 * (`fail`), so messages and codes stay consistent.
 */

/** Machine-readable reason for a {@link JackError}. */
export type JackErrorCode =
  /** A method was called on a closed client (or one of its ports). */
  | 'CLIENT_CLOSED'
  /** The JACK server shut the client down or went away. */
  | 'SERVER_GONE'
  /** The port was unregistered (a port of a closed client gives CLIENT_CLOSED). */
  | 'PORT_INVALID'
  /** No port with that name exists. */
  | 'NO_SUCH_PORT'
  /** No client with that name or UUID exists. */
  | 'NO_SUCH_CLIENT'
  /** A client or port name is longer than JACK allows. */
  | 'NAME_TOO_LONG'
  /** An argument has the wrong type or value. */
  | 'INVALID_ARGUMENT'
  /** Connection endpoints have the wrong direction (e.g. two inputs). */
  | 'DIRECTION_MISMATCH'
  /** Connection endpoints carry different data types (e.g. audio to MIDI). */
  | 'TYPE_MISMATCH'
  /** A JACK call returned a failure code; `jackCode` holds it. */
  | 'JACK_FAILED'
  /** This process already has clients on another JACK server (libjack allows one at a time). */
  | 'SERVER_CONFLICT'
  /** jack_client_open failed; see {@link JackOpenError.status}. */
  | 'OPEN_FAILED'
  /** The jackd executable could not be found. */
  | 'JACKD_NOT_FOUND'
  /** A server with that name is already running. */
  | 'SERVER_NAME_IN_USE'
  /** jackd exited or failed while starting. */
  | 'SERVER_START_FAILED'
  /** jackd did not become connectable in time. */
  | 'SERVER_TIMEOUT'
  /** The embedded server is not running (never started, or stopped). */
  | 'SERVER_NOT_RUNNING'
  /** The native addon could not be loaded. */
  | 'NATIVE_LOAD_FAILED'
  /** Not WebAssembly, truncated, or malformed. */
  | 'MODULE_INVALID'
  /** Uses a WebAssembly feature jackwasm does not support (SIMD, threads, ...). */
  | 'MODULE_UNSUPPORTED_FEATURE'
  /** A required ABI export is missing. */
  | 'MODULE_MISSING_EXPORT'
  /** An ABI export has the wrong kind or type. */
  | 'MODULE_BAD_EXPORT'
  /** jw_abi() returned a version this host does not know. */
  | 'MODULE_ABI_VERSION'
  /** The module imports something the host does not provide. */
  | 'MODULE_BAD_IMPORT'
  /** The module's initial memory exceeds the configured cap. */
  | 'MODULE_MEMORY_TOO_LARGE'
  /** jw_init returned an error code, or the module trapped while starting. */
  | 'MODULE_INIT_FAILED'
  /** Channel counts, buffer offsets or jw_describe output are unusable. */
  | 'MODULE_BAD_LAYOUT'
  /** wasm2c or the C compiler failed. */
  | 'COMPILE_FAILED'
  /** The module trapped while rendering offline. */
  | 'DSP_TRAP'
  /** The DSP module was unloaded (or its client closed). */
  | 'MODULE_UNLOADED'
  /** A realtime queue is full (too many changes within one cycle); try again. */
  | 'QUEUE_FULL';

/** Any error raised by jackwasm. */
export class JackError extends Error {
  /** Why it failed. */
  readonly code: JackErrorCode;
  /** The raw status code a JACK function returned, where there was one. */
  readonly jackCode: number | undefined;

  constructor(code: JackErrorCode, message: string, options?: { jackCode?: number; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'JackError';
    this.code = code;
    this.jackCode = options?.jackCode;
  }
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
export function fail(code: JackErrorCode, message: string, options?: { jackCode?: number; cause?: unknown }): never {
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
