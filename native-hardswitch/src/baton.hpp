// Implementation of the baton: the one-shot wake-up a thread waits on while its context is
// suspended (or while a pooled thread is idle).
//
// States of the word: 0 = idle, 1 = posted, 2 = a waiter is (about to be) asleep in the kernel.
// Post() sets 1 and makes a FUTEX_WAKE system call only if the waiter announced it sleeps (2).
// Wait(spins) first polls for up to `spins` PAUSE instructions (0 by default: nothing spins unless
// the low-latency mode is configured; adaptive budget, see Wait), then sleeps in futex_wait.
//
// Why a raw futex: the feasibility prototype measured a condvar at ~21 us per round trip and a
// futex at ~18 us (both dominated by the OS wake-up), and a PAUSE spin of ~1000 iterations at
// ~2-3 us when a second core is free. Exactly one thread ever waits on a given baton, and every
// Post() pairs with one Wait(), so the word never needs a counter.
//
// Memory ordering: everything the poster wrote before Post() (the transfer slot, the context
// state) is visible to the waiter after Wait() returns (release exchange / acquire load).
#pragma once

#include <atomic>

#if defined(__linux__)
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#else
#include <condition_variable>
#include <mutex>
#endif

namespace hardswitch {

inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#endif
}

class Baton {
 public:
  void Post() {
#if defined(__linux__)
    if (word_.exchange(kPosted, std::memory_order_acq_rel) == kSleeping) {
      Futex(FUTEX_WAKE_PRIVATE, 1);
    }
#else
    std::lock_guard<std::mutex> lock(mutex_);
    word_.store(kPosted, std::memory_order_release);
    cv_.notify_one();
#endif
  }

  // `spins` is the configured maximum (0: never spin). Adaptive, like glibc's adaptive mutexes:
  // the budget doubles after a spin that saw the post and halves after one that had to sleep, with
  // a floor of kProbe so it can recover. Why: with no idle core (measured on a loaded 2-vCPU box),
  // a fixed 1000-PAUSE spin always ran to the end while it kept the partner thread off the CPU,
  // making a round trip 6x slower than plain futex; adapting makes it cost ~kProbe PAUSEs there
  // while keeping the ~2-3 us spin hand-off when a core is free. Only the waiting thread touches
  // `budget_`.
  void Wait(int spins) {
    if (spins > 0) {
      int limit = budget_ < kProbe ? kProbe : budget_;
      if (limit > spins) limit = spins;
      for (int i = 0; i < limit; ++i) {
        if (word_.load(std::memory_order_acquire) == kPosted) {
          word_.store(kIdle, std::memory_order_relaxed);
          budget_ = limit > spins / 2 ? spins : limit * 2;
          return;
        }
        CpuRelax();
      }
      budget_ = limit / 2;
    }
#if defined(__linux__)
    for (;;) {
      int seen = kIdle;
      if (word_.compare_exchange_strong(seen, kSleeping, std::memory_order_acq_rel)) {
        seen = kSleeping;
      }
      if (seen == kPosted) {
        word_.store(kIdle, std::memory_order_relaxed);
        return;
      }
      // Returns at once (EAGAIN) if the word is no longer kSleeping; spurious wake-ups loop.
      Futex(FUTEX_WAIT_PRIVATE, kSleeping);
    }
#else
    std::unique_lock<std::mutex> lock(mutex_);
    cv_.wait(lock, [this] { return word_.load(std::memory_order_acquire) == kPosted; });
    word_.store(kIdle, std::memory_order_relaxed);
#endif
  }

 private:
  static constexpr int kIdle = 0;
  static constexpr int kPosted = 1;
  static constexpr int kSleeping = 2;

#if defined(__linux__)
  long Futex(int op, int value) {
    return syscall(SYS_futex, reinterpret_cast<int*>(&word_), op, value, nullptr, nullptr, 0);
  }
#else
  std::mutex mutex_;
  std::condition_variable cv_;
#endif
  std::atomic<int> word_{kIdle};
  static constexpr int kProbe = 16;
  int budget_ = 1 << 30;  // spin budget of the adaptive wait (see Wait)
};

static_assert(sizeof(std::atomic<int>) == sizeof(int), "futex word must be a plain int");

}  // namespace hardswitch
