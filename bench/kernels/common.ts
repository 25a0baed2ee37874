// Memory layout shared by the AssemblyScript kernels: one input and one
// output buffer of up to MAX_FRAMES samples, then the kernel's state.
export const MAX_FRAMES: i32 = 16384;
// Above the data segments the compiler places low in memory.
export const IN: usize = 65536;
export const OUT: usize = IN + (<usize>MAX_FRAMES << 2);
export const STATE: usize = OUT + (<usize>MAX_FRAMES << 2);

// Makes sure memory reaches `end` bytes (called from jw_init, on a worker).
export function reserve(end: usize): i32 {
  const pages = <i32>((end + 65535) >> 16);
  const have = memory.size();
  if (pages > have && memory.grow(pages - have) < 0) return 1;
  return 0;
}
