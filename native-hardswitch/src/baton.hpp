// Implementation of the baton: the one-shot wake-up a thread waits on while its context is
// suspended (or while a pooled thread is idle).
//
// States of the word: 0 = idle, 1 = posted, 2 = a waiter is (about to be) asleep in the kernel.
// Post() sets 1 and makes a FUTEX_WAKE system call only if the waiter announced it sleeps (2).
// Wait(spin_ns) first polls for up to `spin_ns` nanoseconds of wall time (0 by default: nothing
// spins unless the low-latency mode is configured; adaptive, see SpinFor), then sleeps in
// futex_wait.
//
// Why a raw futex: the feasibility prototype measured a condvar at ~21 us per round trip and a
// futex at ~18 us (both dominated by the OS wake-up). Exactly one thread ever waits on a given
// baton, and every Post() pairs with one Wait(), so the word never needs a counter.
//
// Why the spin is bounded by time and not by a count of PAUSE instructions: what a PAUSE costs
// varies 10x between CPUs, and under a hypervisor a PAUSE loop can exit to the host (pause-loop
// exiting). On the 2-vCPU KVM guest we measure on, 1,000 PAUSEs ended long before the partner
// thread's ~2-3 us of work, so the adaptive count collapsed to its floor and every hand-off slept
// (30 us round trips at idle). A clock read costs ~25 ns (vDSO), once every 32 polls.
//
// Memory ordering: everything the poster wrote before Post() (the transfer slot, the context
// state) is visible to the waiter after Wait() returns (release exchange / acquire load).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#if defined(__linux__)
#include <linux/futex.h>
#include <sched.h>
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

inline int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

class Baton {
 public:
  void Post() {
#if defined(__linux__)
    poster_cpu_.store(sched_getcpu(), std::memory_order_relaxed);  // published by the exchange
    if (word_.exchange(kPosted, std::memory_order_acq_rel) == kSleeping) {
      Futex(FUTEX_WAKE_PRIVATE, 1);
    }
#else
    std::lock_guard<std::mutex> lock(mutex_);
    word_.store(kPosted, std::memory_order_release);
    cv_.notify_one();
#endif
  }

  // `spin_ns` is the configured maximum spin (0: never spin).
  void Wait(int64_t spin_ns) {
    int64_t start = 0;
    if (spin_ns > 0) {
      start = NowNs();
      if (SpinFor(spin_ns, start)) return;
    }
#if defined(__linux__)
    for (;;) {
      int seen = kIdle;
      if (word_.compare_exchange_strong(seen, kSleeping, std::memory_order_acq_rel)) {
        seen = kSleeping;
      }
      if (seen == kPosted) {
        word_.store(kIdle, std::memory_order_relaxed);
        break;
      }
      // Returns at once (EAGAIN) if the word is no longer kSleeping; spurious wake-ups loop.
      Futex(FUTEX_WAIT_PRIVATE, kSleeping);
    }
    if (spin_ns > 0) AdaptAfterSleep(spin_ns, NowNs() - start);
#else
    {
      std::unique_lock<std::mutex> lock(mutex_);
      cv_.wait(lock, [this] { return word_.load(std::memory_order_acquire) == kPosted; });
      word_.store(kIdle, std::memory_order_relaxed);
    }
    if (spin_ns > 0) AdaptAfterSleep(spin_ns, NowNs() - start);
#endif
  }

 private:
  // Polls the word for at most the current budget. Adaptive, like glibc's adaptive mutexes: the
  // budget doubles (up to `max_ns`) after a spin that saw the post and halves after one that was
  // useless, with a floor of kProbeNs. Why: with no idle core (measured on a loaded 2-vCPU box) a
  // spin runs to its end while it keeps the partner thread off the CPU; adapting makes it cost
  // ~kProbeNs there. Only the waiting thread touches `budget_ns_`.
  bool SpinFor(int64_t max_ns, int64_t start) {
    int64_t limit = budget_ns_ < kProbeNs ? kProbeNs : budget_ns_;
    if (limit > max_ns) limit = max_ns;
    for (;;) {
      for (int i = 0; i < kPollsPerClockRead; ++i) {
        if (word_.load(std::memory_order_acquire) == kPosted) {
          word_.store(kIdle, std::memory_order_relaxed);
          budget_ns_ = limit > max_ns / 2 ? max_ns : limit * 2;
          return true;
        }
        CpuRelax();
      }
      if (NowNs() - start >= limit) break;
    }
    budget_ns_ = limit;  // judged by AdaptAfterSleep once the post has come
    return false;
  }

  // A spin that ran out and was followed by a sleep. If the post then came from another CPU
  // within max_ns, a longer spin would have caught it: the partner was merely slow because it had
  // been asleep itself (its wake-up is the slow path we spin to avoid), so grow the budget. Without
  // this, one slow hand-off (thread start, GC) shrank both sides' budgets below a wake-up's
  // latency, after which neither side's spin could ever succeed again (measured: 12 us round trips
  // at idle instead of ~5). If the post came from this CPU (the partner needed our CPU) or
  // later than max_ns (it was busy), spinning was useless: halve.
  void AdaptAfterSleep(int64_t max_ns, int64_t waited_ns) {
#if defined(__linux__)
    bool other_cpu = poster_cpu_.load(std::memory_order_relaxed) != sched_getcpu();
#else
    bool other_cpu = true;
#endif
    if (other_cpu && waited_ns <= max_ns) {
      budget_ns_ = budget_ns_ > max_ns / 2 ? max_ns : budget_ns_ * 2;
    } else {
      budget_ns_ /= 2;
    }
  }

  static constexpr int kIdle = 0;
  static constexpr int kPosted = 1;
  static constexpr int kSleeping = 2;
  static constexpr int64_t kProbeNs = 500;
  static constexpr int kPollsPerClockRead = 32;

#if defined(__linux__)
  long Futex(int op, int value) {
    return syscall(SYS_futex, reinterpret_cast<int*>(&word_), op, value, nullptr, nullptr, 0);
  }
#else
  std::mutex mutex_;
  std::condition_variable cv_;
#endif
  std::atomic<int> word_{kIdle};
  std::atomic<int> poster_cpu_{-1};  // CPU of the last Post(), for AdaptAfterSleep
  int64_t budget_ns_ = INT64_MAX;  // spin budget of the adaptive wait (see SpinFor)
};

static_assert(sizeof(std::atomic<int>) == sizeof(int), "futex word must be a plain int");

}  // namespace hardswitch
