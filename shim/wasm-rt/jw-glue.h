/*
 * Host-side helpers for the imports a module may use (env.abort,
 * jw_host.log, jw_host.midi_out). Included by the generated glue after
 * jw-runtime.c and the wasm2c output. Everything here may run on the audio
 * thread: no allocation, locks, syscalls or logging.
 */
#ifndef JW_GLUE_H_
#define JW_GLUE_H_
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "jw-module.h"
#include "jw-runtime.h"

#define JW_LOG_SLOTS 64

typedef struct jw_ctx {
  wasm_rt_memory_t* mem;
  jw_midi_sink* midi;
  char abort_msg[512];
  /* SPSC ring: producer = the thread running the module, consumer = drain. */
  jw_log_msg logs[JW_LOG_SLOTS];
  _Atomic uint32_t log_head, log_tail;
  _Atomic uint32_t dropped_logs, dropped_midi;
} jw_ctx;

static void jw_ctx_init(jw_ctx* c, wasm_rt_memory_t* mem) {
  c->mem = mem;
  c->midi = NULL;
  c->abort_msg[0] = '\0';
  atomic_init(&c->log_head, 0);
  atomic_init(&c->log_tail, 0);
  atomic_init(&c->dropped_logs, 0);
  atomic_init(&c->dropped_midi, 0);
}

/* Appends UTF-8 for an AssemblyScript string (UTF-16LE, byte length at ptr-4). */
static size_t jw_append_as_string(jw_ctx* c, char* out, size_t pos, size_t cap, uint32_t ptr) {
  wasm_rt_memory_t* m = c->mem;
  if (ptr < 4 || (uint64_t)ptr > m->size) return pos;
  uint32_t bytes;
  memcpy(&bytes, m->data + ptr - 4, 4);
  if ((uint64_t)ptr + bytes > m->size) return pos;
  for (uint32_t k = 0; k + 2 <= bytes; k += 2) {
    uint32_t ch = (uint32_t)m->data[ptr + k] | ((uint32_t)m->data[ptr + k + 1] << 8);
    if (ch >= 0xd800 && ch < 0xe000) ch = '?';
    if (ch < 0x80) {
      if (pos + 1 >= cap) break;
      out[pos++] = (char)ch;
    } else if (ch < 0x800) {
      if (pos + 2 >= cap) break;
      out[pos++] = (char)(0xc0 | (ch >> 6));
      out[pos++] = (char)(0x80 | (ch & 0x3f));
    } else {
      if (pos + 3 >= cap) break;
      out[pos++] = (char)(0xe0 | (ch >> 12));
      out[pos++] = (char)(0x80 | ((ch >> 6) & 0x3f));
      out[pos++] = (char)(0x80 | (ch & 0x3f));
    }
  }
  return pos;
}

static size_t jw_append_text(char* out, size_t pos, size_t cap, const char* s) {
  while (*s && pos + 1 < cap) out[pos++] = *s++;
  return pos;
}

static size_t jw_append_u32(char* out, size_t pos, size_t cap, uint32_t v) {
  char digits[10];
  int n = 0;
  do {
    digits[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v && n < 10);
  while (n && pos + 1 < cap) out[pos++] = digits[--n];
  return pos;
}

/* env.abort(msg, file, line, col): a trap of kind abort with its message. */
static WASM_RT_NO_RETURN void jw_abort(jw_ctx* c, uint32_t msg, uint32_t file, uint32_t line, uint32_t col) {
  char* out = c->abort_msg;
  const size_t cap = sizeof c->abort_msg;
  size_t pos = msg ? jw_append_as_string(c, out, 0, cap, msg) : jw_append_text(out, 0, cap, "abort");
  if (file) {
    pos = jw_append_text(out, pos, cap, " at ");
    pos = jw_append_as_string(c, out, pos, cap, file);
    pos = jw_append_text(out, pos, cap, ":");
    pos = jw_append_u32(out, pos, cap, line);
    pos = jw_append_text(out, pos, cap, ":");
    pos = jw_append_u32(out, pos, cap, col);
  }
  out[pos] = '\0';
  jw_unwind(JW_TRAP_ABORT);
}

/* jw_host.log(ptr, len): copy into the ring, never block. */
static void jw_log(jw_ctx* c, uint32_t ptr, uint32_t len) {
  if ((uint64_t)ptr + len > c->mem->size) wasm_rt_trap(WASM_RT_TRAP_OOB);
  jw_host_enter();
  uint32_t head = atomic_load_explicit(&c->log_head, memory_order_relaxed);
  uint32_t tail = atomic_load_explicit(&c->log_tail, memory_order_acquire);
  if (head - tail >= JW_LOG_SLOTS) {
    atomic_fetch_add_explicit(&c->dropped_logs, 1, memory_order_relaxed);
    jw_host_leave();
    return;
  }
  jw_log_msg* slot = &c->logs[head % JW_LOG_SLOTS];
  uint32_t n = len > JW_LOG_MAX ? JW_LOG_MAX : len;
  memcpy(slot->text, c->mem->data + ptr, n);
  slot->text[n] = '\0';
  slot->len = n;
  atomic_store_explicit(&c->log_head, head + 1, memory_order_release);
  jw_host_leave();
}

static int jw_log_pop(jw_ctx* c, jw_log_msg* out) {
  uint32_t tail = atomic_load_explicit(&c->log_tail, memory_order_relaxed);
  uint32_t head = atomic_load_explicit(&c->log_head, memory_order_acquire);
  if (head == tail) return 0;
  *out = c->logs[tail % JW_LOG_SLOTS];
  atomic_store_explicit(&c->log_tail, tail + 1, memory_order_release);
  return 1;
}

/* jw_host.midi_out(frame, status, d1, d2): `frame` counts from the start of
 * the current block, which the engine keeps in block_offset (also while it
 * delivers that block's MIDI to jw_midi). */
static void jw_midi_out(jw_ctx* c, uint32_t frame, uint32_t status, uint32_t d1, uint32_t d2) {
  uint8_t bytes[3] = {(uint8_t)status, (uint8_t)(d1 & 0x7f), (uint8_t)(d2 & 0x7f)};
  uint32_t len = 3;
  uint32_t hi = status & 0xf0;
  if (hi == 0xc0 || hi == 0xd0 || status == 0xf1 || status == 0xf3) len = 2;
  else if (status >= 0xf4 || status == 0xf6) len = 1;
  jw_host_enter();
  if (status < 0x80 || status > 0xff || !c->midi || !c->midi->write || frame > 0xffffu ||
      c->midi->write(c->midi->opaque, c->midi->block_offset + frame, bytes, len) != 0) {
    atomic_fetch_add_explicit(&c->dropped_midi, 1, memory_order_relaxed);
  }
  jw_host_leave();
}

#endif
