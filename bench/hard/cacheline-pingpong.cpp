// The machine's floor for a cross-CPU hand-off: two threads on two different CPUs pass one cache
// line back and forth (spinning, no system calls, no V8). bench/hardswitch.bench.mjs compiles and
// runs it next to the low-latency round trip, because a spun hard switch is the same hand-off
// plus the V8 lock hand-off, whose archived thread state crosses between the CPUs' caches too.
// What one line costs here bounds what any spinning design can reach on this machine; it varies
// several-fold between hosts (a shared L2 against separate sockets).
//   c++ -O2 -std=c++17 -pthread bench/hard/cacheline-pingpong.cpp -o pingpong && ./pingpong [lines]
// `lines`: extra cache lines each side writes per hand-off (0: just the flag). Prints one JSON line.
#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

namespace {

constexpr int kBatches = 21;
constexpr int kPerBatch = 20000;

alignas(64) std::atomic<int> g_turn{0};
alignas(64) char g_lines[64 * 512];

bool PinTo(int cpu) {
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(cpu, &one);
  return pthread_setaffinity_np(pthread_self(), sizeof one, &one) == 0;
}

void Touch(int lines) {
  for (int l = 0; l < lines; ++l) g_lines[l * 64] += 1;
}

}  // namespace

int main(int argc, char** argv) {
  const int lines = argc > 1 ? std::min(std::atoi(argv[1]), 512) : 0;
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) return 2;
  std::vector<int> cpus;
  for (int c = 0; c < CPU_SETSIZE; ++c) {
    if (CPU_ISSET(c, &allowed)) cpus.push_back(c);
  }
  if (cpus.size() < 2) {
    std::printf("{\"bench\":\"cacheline-pingpong\",\"skipped\":\"needs two CPUs\"}\n");
    return 0;
  }
  const int total = kBatches * kPerBatch;
  std::thread partner([&] {
    PinTo(cpus[1]);
    for (int i = 0; i < total; ++i) {
      while (g_turn.load(std::memory_order_acquire) != 1) {
      }
      Touch(lines);
      g_turn.store(0, std::memory_order_release);
    }
  });
  PinTo(cpus[0]);
  std::vector<double> batches;
  for (int b = 0; b < kBatches; ++b) {
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < kPerBatch; ++i) {
      Touch(lines);
      g_turn.store(1, std::memory_order_release);
      while (g_turn.load(std::memory_order_acquire) != 0) {
      }
    }
    const auto t1 = std::chrono::steady_clock::now();
    batches.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count() / kPerBatch);
  }
  partner.join();
  std::sort(batches.begin(), batches.end());
  std::printf("{\"bench\":\"cacheline-pingpong\",\"lines\":%d,\"cpus\":[%d,%d],\"medianNs\":%.0f}\n", lines,
              cpus[0], cpus[1], batches[kBatches / 2]);
  return 0;
}
