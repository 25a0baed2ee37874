// Thread tags for every shim function and every ABI export (CLAP style).
//
//   [main-thread]    The Node.js event loop thread. All N-API calls happen here
//                    (or through a threadsafe function that lands here).
//   [audio-thread]   JACK's realtime process thread (process, sync and timebase
//                    callbacks). No allocation, lock, blocking syscall,
//                    exception, logging, JS or N-API call. Talks to other
//                    threads only through preallocated SPSC queues and atomics.
//   [notify-thread]  JACK's notification thread (xrun, registration, ...). Must
//                    not call back into the JACK server; hands events to JS
//                    through a threadsafe function.
//   [worker]         A helper thread we own (libuv pool or our own thread):
//                    blocking work such as opening/closing clients, draining
//                    realtime outboxes, compiling modules.
//   [any-thread]     Safe from any of the above (pure, or atomics only).
//
// The tags are comments so that they cost nothing; the macros below exist so a
// grep for the tag name finds both the definition and every use.
#pragma once

#define JW_MAIN_THREAD   /* [main-thread] */
#define JW_AUDIO_THREAD  /* [audio-thread] */
#define JW_NOTIFY_THREAD /* [notify-thread] */
#define JW_WORKER        /* [worker] */
#define JW_ANY_THREAD    /* [any-thread] */
