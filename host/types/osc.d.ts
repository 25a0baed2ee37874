// The part of npm `osc` (osc.js) jackwasm uses; the package ships no types.
declare module 'osc' {
  export interface UdpPortOptions {
    localAddress?: string;
    localPort?: number;
    metadata?: boolean;
    remoteAddress?: string;
    remotePort?: number;
    /** A bound socket to use (osc.js then neither creates nor binds one). */
    socket?: import('node:dgram').Socket;
  }
  export interface OscMessage {
    address: string;
    args: { type: string; value: unknown }[];
  }
  export class UDPPort {
    constructor(options: UdpPortOptions);
    socket?: { address(): { port: number } };
    open(): void;
    close(): void;
    send(message: OscMessage, address?: string, port?: number): void;
    on(event: 'ready', listener: () => void): this;
    on(event: 'error', listener: (err: Error) => void): this;
    on(event: 'message', listener: (message: OscMessage) => void): this;
  }
  const osc: { UDPPort: typeof UDPPort };
  export default osc;
}
