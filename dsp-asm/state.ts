// Declared state (docs/abi.md, "State carry-over"): memory a module names so
// that DspModule.swap() copies it into the next version of the module, which
// then continues where this one was (a delay keeps its buffer, a synth its
// sounding voices). Declare with Processor.keep / keepArray / keepTyped in
// init(); the SDK exports the table the host reads (jw_state_table).
//
// Keys: the part before the first '.' names a group. A group carries over
// only when the new version declares the same keys with the same sizes;
// otherwise its state starts fresh (the host reports which). SDK building
// blocks declare their moving parts as "<key>.<field>", never their
// settings, so new code's settings (filter coefficients, times) stay new.
//
// Declare plain data only: numbers, not references (a pointer into the old
// instance's memory means nothing in the new one).

let keys = new Array<ArrayBuffer>();
let ptrs = new Array<u32>();
let lens = new Array<u32>();
let table: StaticArray<u32> | null = null;

/** Declares `len` bytes at `ptr` as state named `key` (1-256 UTF-8 bytes, unique). Call before or in init(). */
export function keepBytes(key: string, ptr: usize, len: usize): void {
  if (table !== null) abort("keep(): state is declared in the constructor or init(), not later");
  const k = String.UTF8.encode(key);
  if (k.byteLength < 1 || k.byteLength > 256) abort("keep(): a state key is 1-256 UTF-8 bytes");
  keys.push(k);
  ptrs.push(<u32>ptr);
  lens.push(<u32>len);
}

/** Declares field `offset` (from offsetof) of `obj`, `size` bytes. */
export function keepField<T>(key: string, obj: T, offset: usize, size: usize): void {
  keepBytes(key, changetype<usize>(obj) + offset, size);
}

/** Declares the numbers of a StaticArray. */
export function keepArrayBytes<T>(key: string, a: StaticArray<T>): void {
  keepBytes(key, changetype<usize>(a), <usize>a.length << alignof<T>());
}

/** [worker] Number of entries (jw_state_count). */
export function stateCount(): i32 {
  return keys.length;
}

/** [worker] The table jw_state_table returns, built on first use (after jw_init). */
export function stateTable(): usize {
  let t = table;
  if (t === null) {
    const n = keys.length;
    t = new StaticArray<u32>(n * 4);
    for (let i = 0; i < n; i++) {
      const k = unchecked(keys[i]);
      unchecked((t[i * 4] = <u32>changetype<usize>(k)));
      unchecked((t[i * 4 + 1] = <u32>k.byteLength));
      unchecked((t[i * 4 + 2] = unchecked(ptrs[i])));
      unchecked((t[i * 4 + 3] = unchecked(lens[i])));
    }
    table = t;
  }
  return changetype<usize>(t);
}
