// Implementation of the per-isolate state of the hard-switch layer.
//
// One `Shared` exists per V8 isolate (the main thread and each worker_thread) that loaded the
// addon; it is found again through a process-wide registry, so loading the addon twice in one
// isolate shares it. It owns the main context (the isolate's own thread), every live context, the
// idle thread pool and the transfer slot through which a switch hands over its value.
//
// Context states and transitions (all changed by the thread holding the isolate lock):
//
//   kNew --first switch--> kRunning <--switch--> kSuspended
//                             |  fn returned / threw / was terminated
//                             v
//                         kFinished   (record deleted; unknown ids read as finished)
//
// Threads: a context gets an OS thread when it is first switched to (from the pool if one with the
// same stack size is idle, else pthread_create). When its function ends the thread parks in the
// pool (at most `pool_size` idle threads) or exits and is joined later. The main context has no
// `Thread`; it waits on `Shared::main_baton`.
//
// Everything in here is touched only by the thread that holds the isolate lock (or, in ThreadMain,
// the thread that is about to post the next context: nothing else runs then), except the batons
// (atomic) and `spin_ns` (atomic, read by waiting threads).
//
// CPU placement ("follow the baton", see docs/hardswitch.md): by default, whoever hands the baton
// to a context thread first moves that thread onto its own CPU (`Thread::pinned_cpu`), so the
// wake-up is a local context switch instead of waking another, possibly halted, CPU. The isolate's
// main thread is pinned only from a switch at which it is seen to have migrated until the end of
// that macrotask (`main_pinned`).
#pragma once

#include <pthread.h>
#include <sched.h>

#include <atomic>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include <node.h>
#include <v8.h>

#include "baton.hpp"

namespace hardswitch {

#if V8_MAJOR_VERSION >= 14
#define HARDSWITCH_CPED 2  // Get/SetContinuationPreservedEmbedderDataV2 (Local<Data>)
using CpedType = v8::Data;
#elif V8_MAJOR_VERSION >= 12
#define HARDSWITCH_CPED 1  // Get/SetContinuationPreservedEmbedderData (Local<Value>)
using CpedType = v8::Value;
#else
#define HARDSWITCH_CPED 0  // V8 11 (Node 20): no continuation-preserved embedder data
#endif

enum class State : int { kNew = 0, kRunning = 1, kSuspended = 2, kFinished = 3 };

// What the transfer slot carries to the context that wakes up.
enum class Transfer : int {
  kValue = 0,      // switchTo returns the value
  kThrow = 1,      // switchTo throws the value
  kTerminate = 2,  // switchTo arms TerminateExecution on its own thread (uncatchable unwind)
};

struct Shared;
struct Context;

struct Thread {
  Shared* shared = nullptr;
  pthread_t handle{};
  size_t stack_size = 0;
  uintptr_t stack_lo = 0;      // lowest usable address of this thread's stack
  Baton baton;
  Context* ctx = nullptr;      // the context to run, set before baton.Post()
  bool quit = false;           // set before baton.Post(): leave the pool and exit
  bool exit_after = false;     // decided under the lock when a context finishes
  int pinned_cpu = -1;         // the one CPU this thread is restricted to, or -1: Shared::free_cpus
};

struct Context {
  uint32_t id = 0;
  State state = State::kNew;
  Thread* thread = nullptr;    // null for the main context
  Baton* baton = nullptr;      // &thread->baton, or &Shared::main_baton
  v8::Global<v8::Function> fn;
  v8::Global<v8::Object> handle;  // the JS HardContext; strong until the context finishes
  v8::Global<v8::Context> v8_context;
#if HARDSWITCH_CPED
  v8::Global<CpedType> cped;   // this context's AsyncContextFrame while it is not running
#endif
  double entry_async_id = 0;   // executionAsyncId when this context last started running
  Context* resumer = nullptr;  // the context that last switched into this one
  Context* killer = nullptr;   // set by kill()/cleanup: the unwind returns there, switches rethrow
  size_t stack_size = 0;
  size_t js_margin = 0;
};

struct Shared {
  v8::Isolate* isolate = nullptr;
  Context* main = nullptr;
  Context* current = nullptr;
  Baton main_baton;
  std::unordered_map<uint32_t, Context*> contexts;  // every context not finished (main included)
  std::vector<Thread*> pool;                        // idle threads, parked on their baton
  std::vector<Thread*> exited;                      // threads that exit; joined later

  // The transfer slot: its kind here, its value in element 0 of `transfer_box`, a null-prototype
  // object made by index.ts. Why a JS object and not a v8::Global: index.ts's switchTo writes
  // and reads the value there itself, so a switch creates and destroys no global handle (a
  // Global::Reset per switch showed up in profiles); C++ touches the box only when a context
  // starts, finishes or is killed.
  Transfer transfer_kind = Transfer::kValue;
  v8::Global<v8::Object> transfer_box;

  std::atomic<int64_t> spin_ns{0};  // low-latency spin budget per wait; 0 = never spin
  std::atomic<bool> follow_cpu{true};  // move a woken context thread onto the waker's CPU
  size_t pool_size = 32;
#if defined(__linux__)
  cpu_set_t free_cpus;  // the isolate thread's affinity when the addon loaded: unpinned threads'
#endif
  pthread_t main_thread{};    // the isolate's own thread (Node's main thread or a worker's)
  int main_last_cpu = -1;     // CPU main was on at its previous switch (follow mode)
  bool main_pinned = false;   // main pinned until the end of the current macrotask (see switch.cpp)

  size_t live_threads = 0;
  size_t threads_created = 0;
  bool shutting_down = false;

  v8::Global<v8::Function> make_error;        // (code, message) => Error
  v8::Global<v8::Function> make_exit_signal;  // () => HardExitSignal
  v8::Global<v8::Function> make_handle;       // (id) => HardContext
};

}  // namespace hardswitch
