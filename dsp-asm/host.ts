// Calls into the host (docs/abi.md, "Imports the host provides"). The imports
// are declared here but AssemblyScript only emits an import a module actually
// calls, so a module that never logs does not import jw_host.log.

@external("jw_host", "log")
declare function host_log(ptr: usize, len: i32): void;

@external("jw_host", "midi_out")
declare function host_midi_out(frameOffset: i32, status: i32, data1: i32, data2: i32): void;

/** The host truncates longer messages; we stop at a character boundary instead. */
const LOG_MAX: i32 = 255;
// Static scratch for the UTF-8 bytes: logging never allocates.
const logBuf: usize = memory.data(256);

/**
 * Sends `msg` (as UTF-8, cut at 255 bytes on a character boundary) to the
 * host's `log` event. Safe on the audio thread itself, but building `msg`
 * with concatenation or toString() allocates: log constant strings from
 * process(), or format only in init().
 */
export function log(msg: string): void {
  const src = changetype<usize>(msg);
  const len = msg.length;
  let n = 0;
  for (let i = 0; i < len; i++) {
    let c = <u32>load<u16>(src + (<usize>i << 1));
    if (c < 0x80) {
      if (n + 1 > LOG_MAX) break;
      store<u8>(logBuf + n, c);
      n += 1;
      continue;
    }
    if (c < 0x800) {
      if (n + 2 > LOG_MAX) break;
      store<u8>(logBuf + n, 0xc0 | (c >> 6));
      store<u8>(logBuf + n + 1, 0x80 | (c & 0x3f));
      n += 2;
      continue;
    }
    if (c >= 0xd800 && c < 0xe000) {
      // Surrogates: a valid pair becomes one 4-byte sequence, a lone one U+FFFD.
      const c2 = i + 1 < len ? <u32>load<u16>(src + (<usize>(i + 1) << 1)) : 0;
      if (c < 0xdc00 && c2 >= 0xdc00 && c2 < 0xe000) {
        if (n + 4 > LOG_MAX) break;
        const cp = 0x10000 + ((c - 0xd800) << 10) + (c2 - 0xdc00);
        store<u8>(logBuf + n, 0xf0 | (cp >> 18));
        store<u8>(logBuf + n + 1, 0x80 | ((cp >> 12) & 0x3f));
        store<u8>(logBuf + n + 2, 0x80 | ((cp >> 6) & 0x3f));
        store<u8>(logBuf + n + 3, 0x80 | (cp & 0x3f));
        n += 4;
        i++;
        continue;
      }
      c = 0xfffd;
    }
    if (n + 3 > LOG_MAX) break;
    store<u8>(logBuf + n, 0xe0 | (c >> 12));
    store<u8>(logBuf + n + 1, 0x80 | ((c >> 6) & 0x3f));
    store<u8>(logBuf + n + 2, 0x80 | (c & 0x3f));
    n += 3;
  }
  host_log(logBuf, n);
}

/**
 * Writes a short MIDI message to the module's MIDI output port at
 * `frameOffset` within the current block. Declare `midiOutputs = 1` in the
 * processor, or the host counts the event as dropped.
 */
@inline
export function midiOut(frameOffset: i32, status: i32, data1: i32, data2: i32): void {
  host_midi_out(frameOffset, status, data1, data2);
}
