// Lock-free primitives shared between the audio thread and the rest.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <type_traits>

#include "../threads.h"

namespace jw {

// Single-producer single-consumer ring of trivially copyable items.
// Capacity is fixed at construction (rounded up to a power of two); push and
// pop never allocate, lock or block.
template <typename T>
class SpscRing {
  static_assert(std::is_trivially_copyable<T>::value, "SpscRing holds PODs");

 public:
  // [main-thread] Allocates; call before any thread uses the ring.
  explicit SpscRing(size_t capacity) {
    size_t cap = 2;
    while (cap < capacity) cap <<= 1;
    mask_ = cap - 1;
    slots_.reset(new T[cap]);
  }

  // [any-thread] (the single producer) Returns false when full.
  bool push(const T& item) {
    const size_t head = head_.load(std::memory_order_relaxed);
    const size_t tail = tail_.load(std::memory_order_acquire);
    if (head - tail > mask_) return false;
    slots_[head & mask_] = item;
    head_.store(head + 1, std::memory_order_release);
    return true;
  }

  // [any-thread] (the single consumer) Returns false when empty.
  bool pop(T& out) {
    const size_t tail = tail_.load(std::memory_order_relaxed);
    const size_t head = head_.load(std::memory_order_acquire);
    if (head == tail) return false;
    out = slots_[tail & mask_];
    tail_.store(tail + 1, std::memory_order_release);
    return true;
  }

  size_t capacity() const { return mask_ + 1; }

 private:
  std::unique_ptr<T[]> slots_;
  size_t mask_ = 0;
  alignas(64) std::atomic<size_t> head_{0};
  alignas(64) std::atomic<size_t> tail_{0};
};

// Triple buffer: one writer publishes whole values, one reader always sees the
// latest complete value. Neither side ever waits.
// Rationale: parameter blocks (e.g. tempo + meter) must change atomically as a
// group; per-field atomics would let the audio thread see a torn mix.
template <typename T>
class TripleBuffer {
  static_assert(std::is_trivially_copyable<T>::value, "TripleBuffer holds PODs");

 public:
  explicit TripleBuffer(const T& initial) {
    for (auto& b : buf_) b = initial;
  }

  // [main-thread] (the single writer)
  void write(const T& value) {
    buf_[back_] = value;
    // Publish: swap back with middle, marking middle fresh.
    const unsigned prev = middle_.exchange(back_ | kFresh, std::memory_order_acq_rel);
    back_ = prev & kIndex;
  }

  // [audio-thread] (the single reader) Returns the newest published value.
  const T& read() {
    if (middle_.load(std::memory_order_relaxed) & kFresh) {
      const unsigned prev = middle_.exchange(front_, std::memory_order_acq_rel);
      front_ = prev & kIndex;
    }
    return buf_[front_];
  }

 private:
  static constexpr unsigned kFresh = 4;
  static constexpr unsigned kIndex = 3;
  T buf_[3];
  unsigned back_ = 0;                    // writer-owned
  unsigned front_ = 1;                   // reader-owned
  std::atomic<unsigned> middle_{2};      // shared
};

// A fixed-capacity list: storage is allocated once at construction and
// never again, so it is realtime-safe. push fails when full; removal is by
// compacting in place and resize_down.
template <typename T>
class FixedVec {
  static_assert(std::is_trivially_copyable<T>::value, "FixedVec holds PODs");

 public:
  // [main-thread] / [worker] Allocates.
  explicit FixedVec(size_t capacity) : data_(new T[capacity ? capacity : 1]), cap_(capacity) {}
  bool push(const T& v) {
    if (n_ == cap_) return false;
    data_[n_++] = v;
    return true;
  }
  void clear() { n_ = 0; }
  void resize_down(size_t n) { if (n < n_) n_ = n; }
  T& operator[](size_t i) { return data_[i]; }
  const T& operator[](size_t i) const { return data_[i]; }
  size_t size() const { return n_; }
  size_t capacity() const { return cap_; }
  T* begin() { return data_.get(); }
  T* end() { return data_.get() + n_; }

 private:
  std::unique_ptr<T[]> data_;
  size_t cap_;
  size_t n_ = 0;
};

}  // namespace jw
