/** Reading files a module comes from, safely (no FIFOs, devices or huge files). */
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { basename } from 'node:path';
import { fail, JackError } from '../errors.js';

/**
 * Reads a module file: a regular file of at most `maxBytes` (a FIFO, a
 * device such as /dev/zero or a huge file is refused, not read).
 */
export async function readRegularFile(path: string, maxBytes: number, what: string = 'module'): Promise<Uint8Array> {
  let fh: FileHandle | undefined;
  try {
    // O_NONBLOCK: opening a FIFO for reading must not wait for a writer.
    fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const st = await fh.stat();
    if (!st.isFile()) return fail('INVALID_ARGUMENT', `${what} "${path}" is not a regular file`);
    if (st.size > maxBytes) {
      return fail(what === 'module' || what === 'source' ? 'MODULE_TOO_LARGE' : 'INVALID_ARGUMENT', what === 'module'
        ? `${basename(path)}: the module is ${st.size} bytes (limit ${maxBytes}; raise it with the compile option limits.maxModuleBytes)`
        : `${basename(path)}: the ${what} is ${st.size} bytes (limit ${maxBytes})`);
    }
    const buf = new Uint8Array(st.size + 1);
    let n = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, n, buf.length - n, n);
      if (bytesRead === 0) break;
      n += bytesRead;
      if (n > st.size) return fail(what === 'module' || what === 'source' ? 'MODULE_TOO_LARGE' : 'INVALID_ARGUMENT', `${basename(path)}: the ${what} grew past ${st.size} bytes while being read`);
    }
    return buf.subarray(0, n);
  } catch (err) {
    if (err instanceof JackError) throw err;
    return fail('INVALID_ARGUMENT', `cannot read ${what} "${path}": ${(err as Error).message}`);
  } finally {
    await fh?.close().catch(() => {});
  }
}

