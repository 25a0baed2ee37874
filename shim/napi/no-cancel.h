// NoCancel: keeps libjack from cancelling the calling thread inside a scope.
#pragma once
#include <pthread.h>

#include "../threads.h"

namespace jw {

// [notify-thread] / [any-thread] For callbacks libjack runs on its own
// threads that take a lock. Rationale: jack_client_close cancels those
// threads (pthread_cancel); the addon is built without exceptions, so a
// cancellation at a cancellation point inside the scope (a write to stderr,
// libjack's own logging) would not run destructors and would leave the lock
// held forever. Seen twice: close() hung on the info-function lock; and a
// notification posted while the client closed left Node's threadsafe-function
// mutex locked (napi_call_threadsafe_function holds it across uv_async_send's
// write() to an eventfd, a cancellation point), so the next delivery blocked
// the JS thread for good. So every libjack callback runs whole in a NoCancel
// scope, and so does ClientWrap::Post. A pending
// cancel takes effect at the thread's next cancellation point after the scope.
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
