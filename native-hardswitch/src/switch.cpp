// Implementation of the switch itself, the context threads and their pool.
//
// Switch sequence, DoSwitch(from, to), called on `from`'s thread with the isolate lock held and
// the value already in the transfer slot:
//   1. mark from suspended, to running, current = to; save from's continuation-preserved
//      embedder data (AsyncLocalStorage frame, V8 >= 12);
//   2. v8::Unlocker: V8 archives this thread's state (ThreadLocalTop, handle scopes, stack guard)
//      and releases the isolate mutex; then Isolate::Exit until this thread has left the isolate,
//      so the isolate's entry stack stays LIFO across threads;
//   3. post to's baton (a FUTEX_WAKE only if it sleeps), wait on from's baton;
//   4. woken: Isolate::Enter as often as we exited, ~Unlocker re-locks and restores the archive;
//   5. restore from's embedder data, note the executionAsyncId it resumes with; the caller then
//      delivers the transfer slot (return, throw, or terminate).
// The GC visits archived threads (ThreadManager::Iterate), so the frames and handles of every
// suspended context stay alive and are relocated.
//
// A context thread (ThreadMain) waits for an assignment, then Locker -> Isolate::Scope ->
// SetStackLimit(stack_lo + jsMargin) -> HandleScope -> Context::Scope -> TryCatch -> fn(value).
// When fn ends, the outcome goes into the transfer slot, the context is finished, the thread goes
// back to the pool (or is marked to exit), the top-level ~Locker frees V8's thread resources, and
// only then the target's baton is posted: after that post the thread touches nothing shared.
//
// Why threads and not copied stacks: V8's moving GC only visits frames reachable from the thread
// states it knows about; node-fibers' TLS hack broke on Node 16. See docs/hardswitch.md.

namespace hardswitch {

static std::atomic<uint32_t> g_next_id{1};

uint32_t NextId() { return g_next_id.fetch_add(1, std::memory_order_relaxed); }

static int ExitFully(v8::Isolate* isolate) {
  int depth = 0;
  while (v8::Isolate::TryGetCurrent() == isolate) {
    isolate->Exit();
    ++depth;
  }
  return depth;
}

static void EnterN(v8::Isolate* isolate, int depth) {
  for (int i = 0; i < depth; ++i) isolate->Enter();
}

// Skips the Reset (a global handle destroyed and created) when the frame did not change, which
// is the common case of a switch loop.
static void SaveCped(Shared* S, Context* ctx) {
#if HARDSWITCH_CPED
#if HARDSWITCH_CPED == 2
  v8::Local<CpedType> frame = S->isolate->GetContinuationPreservedEmbedderDataV2();
#else
  v8::Local<CpedType> frame = S->isolate->GetContinuationPreservedEmbedderData();
#endif
  if (ctx->cped != frame) ctx->cped.Reset(S->isolate, frame);
#else
  (void)S;
  (void)ctx;
#endif
}

// Called on ctx's own thread, with the lock held, whenever ctx starts or resumes running.
static void OnResume(Shared* S, Context* ctx) {
  v8::Isolate* isolate = S->isolate;
#if HARDSWITCH_CPED
  v8::HandleScope scope(isolate);
  v8::Local<CpedType> frame = ctx->cped.IsEmpty()
                                  ? v8::Local<CpedType>(v8::Undefined(isolate))
                                  : ctx->cped.Get(isolate);
#if HARDSWITCH_CPED == 2
  isolate->SetContinuationPreservedEmbedderDataV2(frame);
#else
  isolate->SetContinuationPreservedEmbedderData(frame);
#endif
#endif
  ctx->entry_async_id = node::AsyncHooksGetExecutionAsyncId(isolate);
}

// Needs an entered v8::Context (the box is an ordinary JS object).
void SetTransfer(Shared* S, Transfer kind, v8::Local<v8::Value> value) {
  S->transfer_kind = kind;
  v8::Isolate* isolate = S->isolate;
  S->transfer_box.Get(isolate)->Set(isolate->GetCurrentContext(), 0, value).FromMaybe(false);
}

// Takes the value out of the slot (leaving undefined, so the box keeps nothing alive).
v8::Local<v8::Value> TakeTransfer(Shared* S) {
  v8::Isolate* isolate = S->isolate;
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  v8::Local<v8::Object> box = S->transfer_box.Get(isolate);
  v8::Local<v8::Value> value;
  if (!box->Get(context, 0).ToLocal(&value)) value = v8::Undefined(isolate);
  box->Set(context, 0, v8::Undefined(isolate)).FromMaybe(false);
  return value;
}

// ---- CPU placement -----------------------------------------------------------------------------
//
// Why: a futex wake-up of a thread whose last CPU is idle wakes that CPU. On a VM an idle vCPU is
// halted, and waking it is an inter-processor interrupt through the hypervisor: measured on a
// 2-vCPU KVM guest at idle, a plain futex ping-pong between two threads costs 16-22 us per round
// trip unpinned and 4.5-6 us with both threads on one CPU. Since exactly one thread of an isolate
// runs JS at a time, nothing runs in parallel that one CPU would serialise. So the waker moves a
// context thread onto its own CPU before posting it; the system call (~1.4 us there) is made only
// when the thread is elsewhere, i.e. after the waker migrated. The main thread is never left
// pinned: it wakes on the CPU it slept on, which is where its context threads are, and if the
// scheduler moves it, its context threads follow at their next wake-up (and main is held on its
// new CPU until the end of the macrotask, see PinMainWhenItMigrates). In low-latency mode
// (spinning) the partner must run on another CPU, so no thread is pinned there.

static void PinToThisCpu(Thread* t) {
#if defined(__linux__)
  int cpu = sched_getcpu();
  if (cpu < 0 || cpu == t->pinned_cpu) return;
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(cpu, &one);
  // Fails (EINVAL) if a cpuset forbids that CPU: then the thread stays where it may run.
  if (pthread_setaffinity_np(t->handle, sizeof one, &one) == 0) t->pinned_cpu = cpu;
#else
  (void)t;
#endif
}

static void Unpin(Shared* S, Thread* t) {
#if defined(__linux__)
  if (t->pinned_cpu < 0) return;
  pthread_setaffinity_np(t->handle, sizeof S->free_cpus, &S->free_cpus);
  t->pinned_cpu = -1;
#else
  (void)S;
  (void)t;
#endif
}

// The main thread is pinned only for the rest of the current macrotask, and only once it was seen
// to migrate between two of its switches. Why: measured at idle, the scheduler moved main to the
// idle CPU every ~15 switches of a switch loop (at each wake-up its own CPU was busy with the
// context thread that woke it), and each move meant a cross-CPU wake-up plus re-pinning the
// context thread: 11 us round trips, against 8 us with the whole process pinned by taskset.
// Unpinned again when the microtask queue is next drained (MicrotasksCompletedCallback: the end of
// every callback the event loop runs), so main never stays pinned while Node waits for I/O.
static void PinMainWhenItMigrates(Shared* S) {
#if defined(__linux__)
  int cpu = sched_getcpu();
  if (!S->main_pinned && S->main_last_cpu >= 0 && cpu >= 0 && cpu != S->main_last_cpu) {
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    if (pthread_setaffinity_np(S->main_thread, sizeof one, &one) == 0) S->main_pinned = true;
  }
  S->main_last_cpu = cpu;
#else
  (void)S;
#endif
}

void UnpinMain(Shared* S) {
#if defined(__linux__)
  if (!S->main_pinned) return;
  pthread_setaffinity_np(S->main_thread, sizeof S->free_cpus, &S->free_cpus);
  S->main_pinned = false;
#else
  (void)S;
#endif
}

// MicrotasksCompletedCallback: runs with the isolate lock held, on whichever thread drained the
// queue (main, normally).
void OnMicrotasksCompleted(v8::Isolate* isolate, void* data) {
  (void)isolate;
  UnpinMain(static_cast<Shared*>(data));
}

// Gives every thread of this isolate back the affinity it would have had (follow mode turned off).
void UnpinAll(Shared* S) {
  UnpinMain(S);
  for (Thread* t : S->pool) Unpin(S, t);
  for (auto& [id, ctx] : S->contexts) {
    if (ctx->thread != nullptr) Unpin(S, ctx->thread);
  }
}

// Wakes `to` (the baton is handed over: the caller waits or exits next).
static void Handoff(Shared* S, Context* to) {
  if (to->thread != nullptr && S->follow_cpu.load(std::memory_order_relaxed)) {
    PinToThisCpu(to->thread);
  }
  to->baton->Post();
}

// ---- switch profile (diagnostic build only) ----------------------------------------------------
//
// Built with -DHARDSWITCH_PROFILE=1 (see BENCHMARKS.md "Hard switching"), DoSwitch sums the wall
// time of each phase and prints the per-switch means to stderr at process exit. Why: to see where
// a hand-off's time goes on a given machine (the V8 lock hand-off against the wake-up), which a
// sampling profiler smears over the spin. Process-wide, for single-isolate benchmarks.
#if HARDSWITCH_PROFILE
namespace {
enum Phase { kUnlock, kExit, kWake, kEnter, kRelock, kResume, kPhases };
struct SwitchProfile {
  std::atomic<int64_t> ns[kPhases] = {};
  std::atomic<int64_t> switches{0};
  std::atomic<int64_t> posted_at{0};  // NowNs() of the last Post(), read by the woken side
  void Add(Phase p, int64_t from, int64_t to) { ns[p].fetch_add(to - from, std::memory_order_relaxed); }
  ~SwitchProfile() {
    int64_t n = switches.load();
    if (n == 0) return;
    fprintf(stderr,
            "hardswitch profile: %lld switches, ns per switch: unlock %lld, exit %lld, wake %lld, "
            "enter %lld, relock %lld, resume %lld\n",
            static_cast<long long>(n), static_cast<long long>(ns[kUnlock] / n),
            static_cast<long long>(ns[kExit] / n), static_cast<long long>(ns[kWake] / n),
            static_cast<long long>(ns[kEnter] / n), static_cast<long long>(ns[kRelock] / n),
            static_cast<long long>(ns[kResume] / n));
  }
} g_profile;
}  // namespace
#define HS_PROFILE_AT(var) const int64_t var = NowNs()
#define HS_PROFILE_DECLARE(var) int64_t var = 0
#define HS_PROFILE_SET(var) var = NowNs()
#define HS_PROFILE_ADD(phase, from, to) g_profile.Add(phase, from, to)
#define HS_PROFILE_POSTED() g_profile.posted_at.store(NowNs(), std::memory_order_relaxed)
#define HS_PROFILE_SWITCHED() g_profile.switches.fetch_add(1, std::memory_order_relaxed)
#else
#define HS_PROFILE_AT(var)
#define HS_PROFILE_DECLARE(var)
#define HS_PROFILE_SET(var)
#define HS_PROFILE_ADD(phase, from, to)
#define HS_PROFILE_POSTED()
#define HS_PROFILE_SWITCHED()
#endif

void DoSwitch(Shared* S, Context* from, Context* to) {
  HS_PROFILE_AT(t_start);
  v8::Isolate* isolate = S->isolate;
  from->state = State::kSuspended;
  to->state = State::kRunning;
  S->current = to;
  SaveCped(S, from);
  if (from == S->main && S->follow_cpu.load(std::memory_order_relaxed)) PinMainWhenItMigrates(S);
  HS_PROFILE_DECLARE(t_entered);
  {
    v8::Unlocker unlocker(isolate);
    HS_PROFILE_AT(t_unlocked);
    int depth = ExitFully(isolate);
    HS_PROFILE_AT(t_exited);
    HS_PROFILE_ADD(kUnlock, t_start, t_unlocked);
    HS_PROFILE_ADD(kExit, t_unlocked, t_exited);
    HS_PROFILE_POSTED();
    Handoff(S, to);
    from->baton->Wait(S->spin_ns.load(std::memory_order_relaxed));
    HS_PROFILE_AT(t_woken);
    HS_PROFILE_ADD(kWake, g_profile.posted_at.load(std::memory_order_relaxed), t_woken);
    EnterN(isolate, depth);
    HS_PROFILE_SET(t_entered);
    HS_PROFILE_ADD(kEnter, t_woken, t_entered);
  }  // ~Unlocker: takes the isolate lock, archives the previous thread's state, restores ours
  HS_PROFILE_AT(t_relocked);
  OnResume(S, from);
  HS_PROFILE_AT(t_resumed);
  HS_PROFILE_ADD(kRelock, t_entered, t_relocked);
  HS_PROFILE_ADD(kResume, t_relocked, t_resumed);
  HS_PROFILE_SWITCHED();
}

v8::Local<v8::Value> MakeError(Shared* S, const char* code, const std::string& message) {
  v8::Isolate* isolate = S->isolate;
  v8::EscapableHandleScope scope(isolate);
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  v8::Local<v8::String> msg =
      v8::String::NewFromUtf8(isolate, message.c_str()).FromMaybe(v8::String::Empty(isolate));
  if (!S->make_error.IsEmpty()) {
    v8::Local<v8::Value> argv[2] = {
        v8::String::NewFromUtf8(isolate, code).FromMaybe(v8::String::Empty(isolate)), msg};
    v8::TryCatch tc(isolate);
    v8::Local<v8::Value> err;
    if (S->make_error.Get(isolate)->Call(context, v8::Undefined(isolate), 2, argv).ToLocal(&err)) {
      return scope.Escape(err);
    }
  }
  return scope.Escape(v8::Exception::Error(msg));
}

// ---- threads and pool ------------------------------------------------------------------------

static void* ThreadMain(void* arg);

static void JoinThread(Shared* S, Thread* t) {
  pthread_join(t->handle, nullptr);
  delete t;
  --S->live_threads;
}

void JoinExited(Shared* S) {
  while (!S->exited.empty()) {
    Thread* t = S->exited.back();
    S->exited.pop_back();
    JoinThread(S, t);
  }
}

void TrimPool(Shared* S, size_t keep) {
  while (S->pool.size() > keep) {
    Thread* t = S->pool.front();
    S->pool.erase(S->pool.begin());
    t->quit = true;
    t->baton.Post();
    JoinThread(S, t);
  }
}

// Returns a thread that waits on its baton for an assignment, or nullptr (errno-style code in *rc).
static Thread* AcquireThread(Shared* S, size_t stack_size, int* rc) {
  JoinExited(S);
  for (size_t i = S->pool.size(); i-- > 0;) {
    Thread* t = S->pool[i];
    if (t->stack_size == stack_size) {
      S->pool.erase(S->pool.begin() + static_cast<std::ptrdiff_t>(i));
      return t;
    }
  }
  Thread* t = new Thread();
  t->shared = S;
  t->stack_size = stack_size;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, stack_size);
#if defined(__linux__)
  // Not the creator's affinity: the creator may be a context thread pinned to one CPU.
  pthread_attr_setaffinity_np(&attr, sizeof S->free_cpus, &S->free_cpus);
#endif
  *rc = pthread_create(&t->handle, &attr, ThreadMain, t);
  pthread_attr_destroy(&attr);
#if defined(__linux__)
  if (*rc == EINVAL) {
    // free_cpus is no longer allowed (the process's affinity was narrowed since the addon
    // loaded): inherit the creator's affinity instead.
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, stack_size);
    *rc = pthread_create(&t->handle, &attr, ThreadMain, t);
    pthread_attr_destroy(&attr);
  }
#endif
  if (*rc != 0) {
    delete t;
    return nullptr;
  }
  ++S->live_threads;
  ++S->threads_created;
  return t;
}

// Gives a new context its thread. On failure the context stays new and the error is returned.
bool AssignThread(Shared* S, Context* ctx, std::string* error) {
  int rc = 0;
  Thread* t = AcquireThread(S, ctx->stack_size, &rc);
  if (t == nullptr) {
    *error = "cannot start a thread for hard context #" + std::to_string(ctx->id) +
             " (pthread_create failed with error " + std::to_string(rc) +
             "); too many threads or not enough memory";
    return false;
  }
  t->ctx = ctx;
  ctx->thread = t;
  ctx->baton = &t->baton;
  return true;
}

void ForgetContext(Shared* S, Context* ctx) {
  ctx->state = State::kFinished;
  S->contexts.erase(ctx->id);
  delete ctx;  // its v8::Global members reset themselves; the lock is held
}

static bool Runnable(Context* c, Context* self) {
  return c != nullptr && c != self &&
         (c->state == State::kSuspended || c->state == State::kNew);
}

// Where a finishing context's outcome goes: the requested target, else the context that last
// switched into it, else main. A new target that receives a throw or termination finishes at once
// (the outcome travels on); a new target that cannot get a thread turns the outcome into an error.
static Context* ResolveExitTarget(Shared* S, Context* self, Context* requested, Transfer* kind,
                                  v8::Local<v8::Value>* value) {
  Context* candidates[3] = {requested, self->resumer, S->main};
  for (Context* c : candidates) {
    if (!Runnable(c, self)) continue;
    if (c->state == State::kNew) {
      if (*kind != Transfer::kValue) {
        ForgetContext(S, c);
        continue;
      }
      std::string error;
      if (!AssignThread(S, c, &error)) {
        *kind = Transfer::kThrow;
        *value = MakeError(S, "ERR_HARDSWITCH_THREAD", error);
        continue;
      }
    }
    return c;
  }
  return S->main;  // unreachable: main is suspended whenever another context runs
}

static uintptr_t StackLow() {
#if defined(__linux__)
  pthread_attr_t attr;
  void* addr = nullptr;
  size_t size = 0;
  if (pthread_getattr_np(pthread_self(), &attr) == 0) {
    pthread_attr_getstack(&attr, &addr, &size);
    pthread_attr_destroy(&attr);
  }
  return reinterpret_cast<uintptr_t>(addr);
#elif defined(__APPLE__)
  pthread_t self = pthread_self();
  return reinterpret_cast<uintptr_t>(pthread_get_stackaddr_np(self)) - pthread_get_stacksize_np(self);
#else
#error "hardswitch: unsupported platform (needs pthreads)"
#endif
}

// Runs ctx on this thread until its function ends. Returns the context to hand the baton to;
// the isolate lock has been released when it returns.
static Context* RunContext(Shared* S, Thread* t, Context* ctx) {
  v8::Isolate* isolate = S->isolate;
  Context* next = nullptr;
  {
    v8::Locker locker(isolate);
    v8::Isolate::Scope isolate_scope(isolate);
#if V8_MAJOR_VERSION < 14
    isolate->SetStackLimit(t->stack_lo + ctx->js_margin);
#else
    // V8 14 derives isolate-wide state from the last SetStackLimit (its "central stack" view),
    // so a limit set here made a later stack overflow on main fail CHECK(IsOnCentralStack()).
    // Instead index.ts gives the thread a stack of at least --stack-size + jsMargin + 64 KiB
    // (virtual, demand-paged) and V8's default per-thread limit applies.
#endif
    v8::HandleScope handle_scope(isolate);
    v8::Local<v8::Context> context = ctx->v8_context.Get(isolate);
    v8::Context::Scope context_scope(context);
    OnResume(S, ctx);

    v8::Local<v8::Value> arg = TakeTransfer(S);
    v8::Local<v8::Function> fn = ctx->fn.Get(isolate);
    ctx->fn.Reset();

    Transfer kind = Transfer::kValue;
    v8::Local<v8::Value> value = v8::Undefined(isolate);
    Context* requested = nullptr;
    {
      v8::TryCatch tc(isolate);
      v8::MaybeLocal<v8::Value> maybe = fn->Call(context, v8::Undefined(isolate), 1, &arg);
      v8::Local<v8::Value> result;
      if (tc.HasTerminated() || isolate->IsExecutionTerminating()) {
        // Unwound by termination: ours (kill at cleanup) or meant for the isolate (worker
        // terminate, process.exit in a worker). Cancel it here and re-arm it where control goes,
        // so termination still reaches the isolate's main thread.
        isolate->CancelTerminateExecution();
        kind = ctx->killer != nullptr ? Transfer::kValue : Transfer::kTerminate;
      } else if (!maybe.ToLocal(&result)) {
        kind = Transfer::kThrow;
        value = tc.Exception();
      } else if (result->IsArray() && result.As<v8::Array>()->Length() == 3) {
        // The JS wrapper returns [targetId, value, isThrow].
        v8::Local<v8::Array> exit = result.As<v8::Array>();
        v8::Local<v8::Value> target_id, exit_value, is_throw;
        if (exit->Get(context, 0).ToLocal(&target_id) && exit->Get(context, 1).ToLocal(&exit_value) &&
            exit->Get(context, 2).ToLocal(&is_throw) && target_id->IsUint32()) {
          auto it = S->contexts.find(target_id.As<v8::Uint32>()->Value());
          requested = it == S->contexts.end() ? nullptr : it->second;
          kind = is_throw->IsTrue() ? Transfer::kThrow : Transfer::kValue;
          value = exit_value;
          if (requested == nullptr) {
            kind = Transfer::kThrow;
            value = MakeError(S, "ERR_HARDSWITCH_FINISHED",
                              "hard context #" + std::to_string(ctx->id) +
                                  " returned a HardExit whose target has finished");
          }
        }
      } else {
        kind = Transfer::kThrow;
        value = MakeError(S, "ERR_HARDSWITCH_EXIT", "hard context function did not return a HardExit");
      }
    }
    if (ctx->killer != nullptr) requested = ctx->killer;
    next = ResolveExitTarget(S, ctx, requested, &kind, &value);
    SetTransfer(S, kind, value);
    next->state = State::kRunning;
    S->current = next;

    t->ctx = nullptr;
    t->exit_after = S->shutting_down || S->pool.size() >= S->pool_size;
    if (t->exit_after) {
      S->exited.push_back(t);
    } else {
      S->pool.push_back(t);
    }
    ForgetContext(S, ctx);
  }  // ~Context::Scope, ~HandleScope, ~Isolate::Scope, top-level ~Locker
  return next;
}

static void* ThreadMain(void* arg) {
  Thread* t = static_cast<Thread*>(arg);
  Shared* S = t->shared;
  v8::Isolate* isolate = S->isolate;
  t->stack_lo = StackLow();
  bool used_v8 = false;
  for (;;) {
    t->baton.Wait(S->spin_ns.load(std::memory_order_relaxed));
    if (t->quit) break;
    used_v8 = true;
    Context* next = RunContext(S, t, t->ctx);
    if (t->exit_after) {
      isolate->DiscardThreadSpecificMetadata();
      Handoff(S, next);  // last touch of shared memory: the thread is joined later
      return nullptr;
    }
    Handoff(S, next);
  }
  if (used_v8) isolate->DiscardThreadSpecificMetadata();
  return nullptr;
}

// ---- environment teardown --------------------------------------------------------------------

void Unregister(Shared* S);

// Env cleanup hook (worker exit, natural process exit): unwind every suspended context by
// termination (finally blocks do not run: JS is already disallowed here), then stop and join
// every pooled thread, so an exiting Worker leaves no thread behind.
void Cleanup(void* arg) {
  Shared* S = static_cast<Shared*>(arg);
  v8::Isolate* isolate = S->isolate;
  S->shutting_down = true;
  {
    v8::HandleScope scope(isolate);
    if (S->current == S->main) {
      std::vector<uint32_t> ids;
      for (auto& [id, ctx] : S->contexts) {
        if (ctx != S->main && ctx->state == State::kSuspended) ids.push_back(id);
      }
      for (uint32_t id : ids) {
        auto it = S->contexts.find(id);
        if (it == S->contexts.end() || it->second->state != State::kSuspended) continue;
        Context* ctx = it->second;
        ctx->killer = S->main;
        ctx->resumer = S->main;
        // No value: the box is not touched here (there may be no entered v8::Context).
        S->transfer_kind = Transfer::kTerminate;
        DoSwitch(S, S->main, ctx);
        S->transfer_kind = Transfer::kValue;
      }
    }
    std::vector<Context*> rest;
    for (auto& [id, ctx] : S->contexts) {
      if (ctx != S->main && ctx->state == State::kNew) rest.push_back(ctx);
    }
    for (Context* ctx : rest) ForgetContext(S, ctx);
  }
  TrimPool(S, 0);
  JoinExited(S);
  S->make_error.Reset();
  S->make_exit_signal.Reset();
  S->make_handle.Reset();
  S->transfer_box.Reset();
  isolate->RemoveMicrotasksCompletedCallback(OnMicrotasksCompleted, S);
  UnpinMain(S);
  // Contexts still suspended here (teardown began while one of them ran) keep their parked
  // threads: they never touch the isolate again. Their records are dropped with S.
  Unregister(S);
}

}  // namespace hardswitch
