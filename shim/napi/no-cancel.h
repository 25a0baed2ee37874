// NoCancel: keeps libjack from cancelling the calling thread inside a scope.
#pragma once
#include <pthread.h>

#include "../threads.h"

namespace jw {

// [notify-thread] / [any-thread] For every callback libjack runs on its own
// threads. Rationale: jack_client_close and jack_deactivate stop those
// threads with pthread_cancel, and libjack runs them with
// PTHREAD_CANCEL_ASYNCHRONOUS (JackPosixThread's default): a cancel can land
// on any instruction, inside malloc, a lock of ours or of Node's, and the
// addon, built without exceptions, runs no destructors on the way out, so
// the lock stays held for good. Seen: close() hung on the info-function
// lock; the JS thread hung for good (a notification's
// napi_call_threadsafe_function holds Node's queue lock across a write()).
// So every libjack callback runs whole in a NoCancel scope, and so does
// ClientWrap::Post. A cancel that arrives inside the scope takes effect
// when it ends.
// Rationale for leaving the cancel type alone: making the thread deferred
// hung jack_deactivate (libjack runs some of these callbacks on the process
// thread, which it stops with a cancel while that thread waits on a futex,
// not a cancellation point).
class NoCancel {
 public:
  NoCancel() { pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old_); }
  ~NoCancel() { pthread_setcancelstate(old_, nullptr); }
  NoCancel(const NoCancel&) = delete;
  NoCancel& operator=(const NoCancel&) = delete;

 private:
  int old_ = PTHREAD_CANCEL_ENABLE;
};

}  // namespace jw
