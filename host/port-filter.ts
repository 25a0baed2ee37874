/** Client.getPorts' filter, checked and turned into what JACK and the port list need. */
import type { PortFilter } from './client-types.js';
import { fail, require_ } from './errors.js';
import { C } from './native.js';

export interface CompiledPortFilter {
  /** POSIX regex for jack_get_ports' type argument (anchored; JACK anchors nothing), or null. */
  typeRe: string | null;
  /** Flags every port must have. */
  required: number;
  nameMatches(name: string): boolean;
  /** Whether a port with these flags and type is excluded (a filter set to false). */
  excludes(flags: number, type: string): boolean;
}

/** @throws INVALID_ARGUMENT for a malformed filter */
export function compilePortFilter(filter: PortFilter): CompiledPortFilter {
  require_(typeof filter === 'object' && filter !== null, 'getPorts: filter must be an object');
  let re: RegExp | undefined;
  if (filter.namePattern !== undefined) {
    if (filter.namePattern instanceof RegExp) re = filter.namePattern;
    else {
      require_(typeof filter.namePattern === 'string', 'getPorts: namePattern must be a RegExp or a string');
      try {
        re = new RegExp(filter.namePattern);
      } catch (err) {
        fail('INVALID_ARGUMENT', `getPorts: invalid namePattern ${JSON.stringify(filter.namePattern)}: ${(err as Error).message}`);
      }
    }
  }
  require_(!(filter.isAudio && filter.isMidi), 'getPorts: a port cannot be both audio and MIDI');
  let type: string | null = filter.type ?? null;
  if (filter.isAudio) type = C.DEFAULT_AUDIO_TYPE;
  if (filter.isMidi) type = C.DEFAULT_MIDI_TYPE;
  const flagFilters: [boolean | undefined, number][] = [
    [filter.isInput, C.PortIsInput],
    [filter.isOutput, C.PortIsOutput],
    [filter.isPhysical, C.PortIsPhysical],
    [filter.canMonitor, C.PortCanMonitor],
    [filter.isTerminal, C.PortIsTerminal],
  ];
  let required = 0;
  for (const [want, bit] of flagFilters) if (want === true) required |= bit;
  return {
    typeRe: type === null ? null : `^${type.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`,
    required,
    nameMatches(name) {
      if (!re) return true;
      re.lastIndex = 0;
      return re.test(name);
    },
    excludes(flags, portType) {
      if (flagFilters.some(([want, bit]) => want === false && (flags & bit) !== 0)) return true;
      if (filter.isAudio === false && portType === C.DEFAULT_AUDIO_TYPE) return true;
      return filter.isMidi === false && portType === C.DEFAULT_MIDI_TYPE;
    },
  };
}
