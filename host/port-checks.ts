/**
 * The checks every call that takes ports shares: a connection goes from an
 * output to an input of one type; the audio calls take audio ports of one
 * direction.
 */
import { fail } from './errors.js';
import type { Port } from './port.js';

/** Checks that `src` -> `dst` can be a connection. @throws DIRECTION_MISMATCH, TYPE_MISMATCH */
export function checkConnectable(src: Port, dst: Port, what: string): void {
  if (!src.isOutput) fail('DIRECTION_MISMATCH', `${what}: source "${src.name}" is an input port; a connection goes from an output to an input`);
  if (!dst.isInput) fail('DIRECTION_MISMATCH', `${what}: destination "${dst.name}" is an output port; a connection goes from an output to an input`);
  if (src.type !== dst.type) fail('TYPE_MISMATCH', `${what}: "${src.name}" carries ${src.type} but "${dst.name}" carries ${dst.type}`);
}

/**
 * Checks that every port is an audio port flowing `direction` ('output':
 * sources to listen to, 'input': destinations to feed); `hint` ends the
 * message ("record from output ports"). @throws TYPE_MISMATCH, DIRECTION_MISMATCH
 */
export function checkAudioPorts(ports: readonly Port[], direction: 'input' | 'output', what: string, hint: string): void {
  for (const p of ports) {
    if (!p.isAudio) fail('TYPE_MISMATCH', `${what}: "${p.name}" is not an audio port`);
    if (direction === 'output' ? !p.isOutput : !p.isInput) fail('DIRECTION_MISMATCH', `${what}: "${p.name}" is an ${direction === 'output' ? 'input' : 'output'} port; ${hint}`);
  }
}
