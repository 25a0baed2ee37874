/** The jack_status_t bits returned by jack_client_open, as booleans. */
const BITS = {
  failure: 0x01,
  invalidOption: 0x02,
  nameNotUnique: 0x04,
  serverStarted: 0x08,
  serverFailed: 0x10,
  serverError: 0x20,
  noSuchClient: 0x40,
  loadFailure: 0x80,
  initFailure: 0x100,
  shmFailure: 0x200,
  versionError: 0x400,
  backendError: 0x800,
  clientZombie: 0x1000,
} as const;

const DESCRIPTIONS: Record<keyof typeof BITS, string> = {
  failure: 'overall operation failed',
  invalidOption: 'the operation contained an invalid or unsupported option',
  nameNotUnique: 'the desired client name was not unique',
  serverStarted: 'the JACK server was started for this client',
  serverFailed: 'unable to connect to the JACK server',
  serverError: 'communication error with the JACK server',
  noSuchClient: 'requested client does not exist',
  loadFailure: 'unable to load internal client',
  initFailure: 'unable to initialize client',
  shmFailure: 'unable to access shared memory',
  versionError: 'client protocol version does not match the server',
  backendError: 'backend error',
  clientZombie: 'client zombified (killed by the server)',
};

export class Status {
  /** The raw jack_status_t value. */
  readonly value: number;
  readonly failure: boolean;
  readonly invalidOption: boolean;
  readonly nameNotUnique: boolean;
  readonly serverStarted: boolean;
  readonly serverFailed: boolean;
  readonly serverError: boolean;
  readonly noSuchClient: boolean;
  readonly loadFailure: boolean;
  readonly initFailure: boolean;
  readonly shmFailure: boolean;
  readonly versionError: boolean;
  readonly backendError: boolean;
  readonly clientZombie: boolean;

  constructor(value: number) {
    this.value = value;
    this.failure = (value & BITS.failure) !== 0;
    this.invalidOption = (value & BITS.invalidOption) !== 0;
    this.nameNotUnique = (value & BITS.nameNotUnique) !== 0;
    this.serverStarted = (value & BITS.serverStarted) !== 0;
    this.serverFailed = (value & BITS.serverFailed) !== 0;
    this.serverError = (value & BITS.serverError) !== 0;
    this.noSuchClient = (value & BITS.noSuchClient) !== 0;
    this.loadFailure = (value & BITS.loadFailure) !== 0;
    this.initFailure = (value & BITS.initFailure) !== 0;
    this.shmFailure = (value & BITS.shmFailure) !== 0;
    this.versionError = (value & BITS.versionError) !== 0;
    this.backendError = (value & BITS.backendError) !== 0;
    this.clientZombie = (value & BITS.clientZombie) !== 0;
  }

  /** Human-readable list of the bits that are set. */
  describe(): string[] {
    return (Object.keys(BITS) as (keyof typeof BITS)[])
      .filter((k) => (this.value & BITS[k]) !== 0)
      .map((k) => DESCRIPTIONS[k]);
  }

  toString(): string {
    const d = this.describe();
    return `0x${this.value.toString(16)}${d.length ? ` (${d.join('; ')})` : ''}`;
  }
}
