// Implementation of the tsgreenlet hard-switch addon: unity build and module initialisation.
//
// Each hard context runs JS on its own OS thread; exactly one thread of an isolate runs JS at a
// time, and a switch hands the isolate lock over like a baton (v8::Unlocker / v8::Locker). Only
// public V8 and Node APIs are used. Files, in include order:
//   baton.hpp   futex wake-up word (optional PAUSE spin before sleeping)
//   state.hpp   per-isolate Shared, Context, Thread and their states
//   switch.cpp  DoSwitch, context threads, pool, env cleanup hook
//   api.cpp     functions exported to native-hardswitch/index.ts
//
// The module is context-aware (NODE_MODULE_INIT), so it loads in worker_threads; state is per
// isolate, kept in a process-wide registry so a second load in the same isolate shares it.
// Why, what was measured, and the hazards handled: docs/hardswitch.md.

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <node.h>
#include <v8.h>

#include "baton.hpp"
#include "state.hpp"

namespace hardswitch {
uint32_t NextId();
void SetTransfer(Shared* S, Transfer kind, v8::Local<v8::Value> value);
v8::Local<v8::Value> TakeTransfer(Shared* S);
void DoSwitch(Shared* S, Context* from, Context* to);
v8::Local<v8::Value> MakeError(Shared* S, const char* code, const std::string& message);
bool AssignThread(Shared* S, Context* ctx, std::string* error);
void ForgetContext(Shared* S, Context* ctx);
void JoinExited(Shared* S);
void TrimPool(Shared* S, size_t keep);
void UnpinAll(Shared* S);
void OnMicrotasksCompleted(v8::Isolate* isolate, void* data);
void Cleanup(void* arg);
void Export(v8::Local<v8::Context> context, v8::Local<v8::Object> exports, Shared* S);
}  // namespace hardswitch

#include "switch.cpp"
#include "api.cpp"

namespace hardswitch {

// Never destroyed: static destructors would run at exit() while parked threads still exist.
static std::mutex* g_registry_mutex = new std::mutex();
static std::unordered_map<v8::Isolate*, Shared*>* g_registry =
    new std::unordered_map<v8::Isolate*, Shared*>();

void Unregister(Shared* S) {
  {
    std::lock_guard<std::mutex> lock(*g_registry_mutex);
    g_registry->erase(S->isolate);
  }
  for (auto& [id, ctx] : S->contexts) delete ctx;
  S->contexts.clear();
  delete S;
}

static Shared* SharedFor(v8::Isolate* isolate) {
  std::lock_guard<std::mutex> lock(*g_registry_mutex);
  auto it = g_registry->find(isolate);
  if (it != g_registry->end()) return it->second;
  Shared* S = new Shared();
  S->isolate = isolate;
#if defined(__linux__)
  CPU_ZERO(&S->free_cpus);
  if (sched_getaffinity(0, sizeof S->free_cpus, &S->free_cpus) != 0) {
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) CPU_SET(cpu, &S->free_cpus);
  }
#endif
  Context* main = new Context();
  main->id = NextId();
  main->state = State::kRunning;
  main->baton = &S->main_baton;
  S->main = main;
  S->current = main;
  S->contexts[main->id] = main;
  S->main_thread = pthread_self();
  g_registry->emplace(isolate, S);
  isolate->AddMicrotasksCompletedCallback(OnMicrotasksCompleted, S);
  node::AddEnvironmentCleanupHook(isolate, Cleanup, S);
  return S;
}

}  // namespace hardswitch

NODE_MODULE_INIT(/* exports, module, context */) {
  v8::Isolate* isolate = v8::Isolate::GetCurrent();  // Context::GetIsolate is gone in V8 14
  // Wasm code GC aborts the process ("archived threads in combination with wasm not supported")
  // whenever any thread is archived, i.e. whenever a context is suspended. Node's fetch (undici's
  // llhttp) is wasm. The cost: dead wasm code is never freed.
  static std::once_flag flags_once;
  std::call_once(flags_once, [] { v8::V8::SetFlagsFromString("--no-wasm-code-gc"); });

  v8::Local<v8::Object> target = exports.As<v8::Object>();
  bool locked = v8::Locker::IsLocked(isolate);
  target
      ->Set(context, v8::String::NewFromUtf8(isolate, "locked").ToLocalChecked(),
            v8::Boolean::New(isolate, locked))
      .Check();
  if (!locked) return;  // embedder without a v8::Locker: an Unlocker would be illegal
  hardswitch::Export(context, target, hardswitch::SharedFor(isolate));
}
