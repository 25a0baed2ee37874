/**
 * The client's native events (drained from the notification thread's queue)
 * turned into its EventEmitter events, and the slow-sync handler run: the
 * events a Client emits, in one place.
 */
import type { DspModule } from './dsp/module.js';
import type { NativeEvent } from './native.js';
import type { Port } from './port.js';
import { Status } from './status.js';
import { transportStateName, type Position } from './transport.js';
import type { PropertyChange, SyncHandler } from './client-types.js';

const CHANGES: PropertyChange[] = ['created', 'changed', 'deleted'];

/** What dispatchEvent needs of the client. */
export interface EventSink {
  emit(event: string, ...args: unknown[]): void;
  /** The Port named `name` (a detached one if it is gone). */
  port(name: string): Port;
  renamed(oldName: string, newName: string): void;
  module(slot: number): DspModule | undefined;
  sync(seq: number, state: number, position: Position): void;
}

/** Emits the event `ev` stands for. */
export function dispatchEvent(ev: NativeEvent, s: EventSink): void {
  switch (ev.type) {
    case 'xrun':
      s.emit('xrun', ev.delayUsecs);
      break;
    case 'shutdown':
      s.emit('shutdown', new Status(ev.status), ev.reason);
      break;
    case 'freewheel':
      s.emit('freewheel', ev.starting);
      break;
    case 'blockSize':
      s.emit('blockSize', ev.frames);
      break;
    case 'sampleRate':
      s.emit('sampleRate', ev.rate);
      break;
    case 'clientRegistration':
      s.emit('clientRegistration', ev.name, ev.registered);
      break;
    case 'portRegistration':
      s.emit('portRegistration', s.port(ev.port), ev.registered);
      break;
    case 'portConnect':
      s.emit('portConnect', s.port(ev.a), s.port(ev.b), ev.connected);
      break;
    case 'portRename':
      s.renamed(ev.oldName, ev.newName);
      s.emit('portRename', s.port(ev.newName), ev.oldName, ev.newName);
      break;
    case 'graphOrder':
      s.emit('graphOrder');
      break;
    case 'propertyChange':
      s.emit('propertyChange', ev.subject, ev.key, CHANGES[ev.change] ?? 'changed');
      break;
    case 'sync':
      s.sync(ev.seq, ev.state, ev.position);
      break;
    case 'overflow':
      s.emit('overflow', ev.dropped);
      break;
    case 'trap':
      s.module(ev.slot)?.onTrap(ev.code, ev.where);
      break;
    case 'overrun':
      s.module(ev.slot)?.onOverrun(ev);
      break;
  }
}

/**
 * Runs the slow-sync handler (if any) and calls `ready` once it is done, as
 * JACK waits for: at once when there is none, after its promise settles
 * otherwise; a handler that throws or rejects is reported to `failed`.
 */
export function runSyncHandler(handler: SyncHandler | undefined, state: number, position: Position, ready: () => void, failed: (err: unknown) => void): void {
  if (!handler) return ready();
  let result: void | Promise<void>;
  try {
    result = handler(transportStateName(state), position);
  } catch (err) {
    ready();
    failed(err);
    return;
  }
  Promise.resolve(result).then(ready, (err: unknown) => {
    ready();
    failed(err);
  });
}
