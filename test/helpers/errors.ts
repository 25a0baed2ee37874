/** Assertions on the typed errors the library throws. */
import { expect } from 'vitest';
import { JackError } from '../../host/index.js';

/** Calls `fn` and returns the JackError it throws; fails the test if it throws nothing or something else. */
export function errorOf(fn: () => unknown, what = 'call'): JackError {
  try {
    fn();
  } catch (err) {
    expect(err, what).toBeInstanceOf(JackError);
    return err as JackError;
  }
  throw new Error(`${what}: expected a JackError, nothing was thrown`);
}

/** The `code` of the JackError `fn` throws (fails the test if it throws none). */
export function codeOf(fn: () => unknown): string {
  return errorOf(fn).code;
}

/** The JackError `p` rejects with; fails the test if it resolves or rejects with something else. */
export async function rejection(p: Promise<unknown>, what = 'promise'): Promise<JackError> {
  try {
    await p;
  } catch (err) {
    expect(err, what).toBeInstanceOf(JackError);
    return err as JackError;
  }
  throw new Error(`${what}: expected a JackError, it resolved`);
}
