// Implementation of the functions the addon exports to native-hardswitch/index.ts.
//
// The C++ stays thin: index.ts validates every argument (types, ranges, handles from another
// isolate) before calling in, so these functions only check what JS cannot know (a context's
// state) and raise errors through the JS-provided `makeError(code, message)`.
//
//   setup(makeError, makeExitSignal, makeHandle, transferBox) -> main HardContext
//   current() -> HardContext                       the handle of the running context
//   create(fn, stackSize, jsMargin) -> HardContext  fn(value) returns [targetId, value, isThrow]
//   switchTo(id, isThrow) -> 0 | 1                 the value travels in transferBox[0] both ways;
//                                                  1: the caller must throw it (or terminates)
//   kill(id) -> [isThrow, value]                   unwinds one suspended context
//   suspendedIds() -> id[]                         suspended contexts except main and current
//   state(id) -> 0 new | 1 running | 2 suspended | 3 finished (unknown ids are finished)
//   configure(spinNs, poolSize, followCpu)
//   stats() -> [parked, pooledThreads, liveThreads, threadsCreated, pinnedThreads]

namespace hardswitch {

// V8 14 tags external pointers; the untagged accessors are deprecated there.
#if V8_MAJOR_VERSION >= 14
#define HS_EXTERNAL_TAG , v8::kExternalPointerTypeTagDefault
#define HS_EXTERNAL_ARG v8::kExternalPointerTypeTagDefault
#else
#define HS_EXTERNAL_TAG
#define HS_EXTERNAL_ARG
#endif
#define HS_SHARED(info) static_cast<Shared*>((info).Data().As<v8::External>()->Value(HS_EXTERNAL_ARG))

static void Throw(Shared* S, const char* code, const std::string& message) {
  S->isolate->ThrowException(MakeError(S, code, message));
}

static Context* Find(Shared* S, v8::Local<v8::Value> id) {
  if (!id->IsUint32()) return nullptr;
  auto it = S->contexts.find(id.As<v8::Uint32>()->Value());
  return it == S->contexts.end() ? nullptr : it->second;
}

// Makes the JS handle of a context (a frozen HardContext created by index.ts).
static bool MakeHandle(Shared* S, Context* ctx) {
  v8::Isolate* isolate = S->isolate;
  v8::Local<v8::Value> argv[1] = {v8::Integer::NewFromUnsigned(isolate, ctx->id)};
  v8::Local<v8::Value> handle;
  if (!S->make_handle.Get(isolate)
           ->Call(isolate->GetCurrentContext(), v8::Undefined(isolate), 1, argv)
           .ToLocal(&handle) ||
      !handle->IsObject()) {
    return false;
  }
  ctx->handle.Reset(isolate, handle.As<v8::Object>());
  return true;
}

static void Setup(const v8::FunctionCallbackInfo<v8::Value>& info) {
  Shared* S = HS_SHARED(info);
  S->make_error.Reset(S->isolate, info[0].As<v8::Function>());
  S->make_exit_signal.Reset(S->isolate, info[1].As<v8::Function>());
  S->make_handle.Reset(S->isolate, info[2].As<v8::Function>());
  S->transfer_box.Reset(S->isolate, info[3].As<v8::Object>());
  if (S->main->handle.IsEmpty() && !MakeHandle(S, S->main)) return;
  info.GetReturnValue().Set(S->main->handle.Get(S->isolate));
}

static void Current(const v8::FunctionCallbackInfo<v8::Value>& info) {
  Shared* S = HS_SHARED(info);
  info.GetReturnValue().Set(S->current->handle.Get(S->isolate));
}

static void Create(const v8::FunctionCallbackInfo<v8::Value>& info) {
  Shared* S = HS_SHARED(info);
  v8::Isolate* isolate = S->isolate;
  Context* ctx = new Context();
  ctx->id = NextId();
  ctx->fn.Reset(isolate, info[0].As<v8::Function>());
  ctx->v8_context.Reset(isolate, isolate->GetCurrentContext());
  ctx->stack_size = static_cast<size_t>(info[1].As<v8::Number>()->Value());
  ctx->js_margin = static_cast<size_t>(info[2].As<v8::Number>()->Value());
  ctx->resumer = S->current;
  // A new context starts with its creator's AsyncLocalStorage frame, like a callback bound at
  // creation time (AsyncResource semantics).
#if HARDSWITCH_CPED == 2
  ctx->cped.Reset(isolate, isolate->GetContinuationPreservedEmbedderDataV2());
#elif HARDSWITCH_CPED == 1
  ctx->cped.Reset(isolate, isolate->GetContinuationPreservedEmbedderData());
#endif
  if (!MakeHandle(S, ctx)) {
    delete ctx;
    return;
  }
  S->contexts[ctx->id] = ctx;
  info.GetReturnValue().Set(ctx->handle.Get(isolate));
}

// Tells the JS caller of switchTo on this thread what the transfer slot holds: its value is in the
// box already; the kind is returned (0: return it, 1: throw it), or termination is armed.
static void Deliver(Shared* S, const v8::FunctionCallbackInfo<v8::Value>& info) {
  Transfer kind = S->transfer_kind;
  S->transfer_kind = Transfer::kValue;
  if (kind == Transfer::kTerminate) {
    // Uncatchable: unwinds this context's JS at the next stack check without running finally
    // blocks, then RunContext passes the termination on (or returns to the killer).
    S->isolate->TerminateExecution();
    return;
  }
  info.GetReturnValue().Set(kind == Transfer::kThrow ? 1 : 0);
}

static void SwitchTo(const v8::FunctionCallbackInfo<v8::Value>& info) {
  Shared* S = HS_SHARED(info);
  v8::Isolate* isolate = S->isolate;
  Context* from = S->current;
  bool is_throw = info[1]->IsTrue();

  if (from->killer != nullptr) {
    // Being killed: every switch re-throws the exit signal (node-fibers' reset() semantics).
    v8::Local<v8::Value> signal;
    if (S->make_exit_signal.Get(isolate)
            ->Call(isolate->GetCurrentContext(), v8::Undefined(isolate), 0, nullptr)
            .ToLocal(&signal)) {
      isolate->ThrowException(signal);
    }
    return;
  }
  Context* to = Find(S, info[0]);
  if (to == nullptr) {
    Throw(S, "ERR_HARDSWITCH_FINISHED",
          "cannot switch to hard context #" + std::to_string(info[0]->Uint32Value(
                                                   isolate->GetCurrentContext()).FromMaybe(0)) +
              ": it has finished");
    return;
  }
  if (to == from) {
    info.GetReturnValue().Set(is_throw ? 1 : 0);  // the value is still in the box
    return;
  }
  if (from != S->main && node::AsyncHooksGetExecutionAsyncId(isolate) != from->entry_async_id) {
    Throw(S, "ERR_HARDSWITCH_ASYNC_SCOPE",
          "cannot switch out of hard context #" + std::to_string(from->id) +
              " inside an async scope it opened (AsyncResource.runInAsyncScope, "
              "AsyncResource.bind, ...): executionAsyncId is " +
              std::to_string(static_cast<int64_t>(node::AsyncHooksGetExecutionAsyncId(isolate))) +
              ", expected " + std::to_string(static_cast<int64_t>(from->entry_async_id)) +
              "; leave the scope before switching");
    return;
  }
  if (to->state == State::kNew) {
    if (is_throw) {
      // Throwing into a context that never ran: it finishes without running and, as if its
      // function had thrown, the value (still in the box) comes straight back to the caller.
      ForgetContext(S, to);
      info.GetReturnValue().Set(1);
      return;
    }
    std::string error;
    if (!AssignThread(S, to, &error)) {
      Throw(S, "ERR_HARDSWITCH_THREAD", error);
      return;
    }
  }
  S->transfer_kind = is_throw ? Transfer::kThrow : Transfer::kValue;
  to->resumer = from;
  DoSwitch(S, from, to);
  Deliver(S, info);
}

static void Kill(const v8::FunctionCallbackInfo<v8::Value>& info) {
  Shared* S = HS_SHARED(info);
  v8::Isolate* isolate = S->isolate;
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  Context* from = S->current;
  Context* ctx = Find(S, info[0]);
  v8::Local<v8::Array> result = v8::Array::New(isolate, 2);
  if (ctx == nullptr || ctx == S->main || ctx == from || ctx->state != State::kSuspended) {
    if (ctx != nullptr && ctx->state == State::kNew) ForgetContext(S, ctx);
    result->Set(context, 0, v8::False(isolate)).Check();
    result->Set(context, 1, v8::Undefined(isolate)).Check();
    info.GetReturnValue().Set(result);
    return;
  }
  v8::Local<v8::Value> signal;
  if (!S->make_exit_signal.Get(isolate)->Call(context, v8::Undefined(isolate), 0, nullptr).ToLocal(&signal)) {
    return;
  }
  ctx->killer = from;
  ctx->resumer = from;
  SetTransfer(S, Transfer::kThrow, signal);
  DoSwitch(S, from, ctx);
  bool thrown = S->transfer_kind == Transfer::kThrow;
  bool terminated = S->transfer_kind == Transfer::kTerminate;
  v8::Local<v8::Value> value = TakeTransfer(S);
  S->transfer_kind = Transfer::kValue;
  if (terminated) {
    isolate->TerminateExecution();
    return;
  }
  result->Set(context, 0, v8::Boolean::New(isolate, thrown)).Check();
  result->Set(context, 1, value).Check();
  info.GetReturnValue().Set(result);
}

static void SuspendedIds(const v8::FunctionCallbackInfo<v8::Value>& info) {
  Shared* S = HS_SHARED(info);
  v8::Isolate* isolate = S->isolate;
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  std::vector<uint32_t> ids;
  for (auto& [id, ctx] : S->contexts) {
    if (ctx != S->main && ctx != S->current && ctx->state == State::kSuspended) ids.push_back(id);
  }
  std::sort(ids.begin(), ids.end());
  v8::Local<v8::Array> out = v8::Array::New(isolate, static_cast<int>(ids.size()));
  for (size_t i = 0; i < ids.size(); ++i) {
    out->Set(context, static_cast<uint32_t>(i), v8::Integer::NewFromUnsigned(isolate, ids[i])).Check();
  }
  info.GetReturnValue().Set(out);
}

static void StateOf(const v8::FunctionCallbackInfo<v8::Value>& info) {
  Context* ctx = Find(HS_SHARED(info), info[0]);
  info.GetReturnValue().Set(static_cast<int>(ctx == nullptr ? State::kFinished : ctx->state));
}

static void Configure(const v8::FunctionCallbackInfo<v8::Value>& info) {
  Shared* S = HS_SHARED(info);
  S->spin_ns.store(static_cast<int64_t>(info[0].As<v8::Number>()->Value()),
                   std::memory_order_relaxed);
  S->pool_size = static_cast<size_t>(info[1].As<v8::Number>()->Value());
  TrimPool(S, S->pool_size);
  bool follow = info[2]->IsTrue();
  S->follow_cpu.store(follow, std::memory_order_relaxed);
  if (!follow) UnpinAll(S);
}

static void Stats(const v8::FunctionCallbackInfo<v8::Value>& info) {
  Shared* S = HS_SHARED(info);
  v8::Isolate* isolate = S->isolate;
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  JoinExited(S);
  size_t parked = 0, pinned = 0;
  for (auto& [id, ctx] : S->contexts) {
    if (ctx != S->main && ctx->state == State::kSuspended) ++parked;
    if (ctx->thread != nullptr && ctx->thread->pinned_cpu >= 0) ++pinned;
  }
  for (Thread* t : S->pool) {
    if (t->pinned_cpu >= 0) ++pinned;
  }
  if (S->main_pinned) ++pinned;
  double values[5] = {static_cast<double>(parked), static_cast<double>(S->pool.size()),
                      static_cast<double>(S->live_threads), static_cast<double>(S->threads_created),
                      static_cast<double>(pinned)};
  v8::Local<v8::Array> out = v8::Array::New(isolate, 5);
  for (uint32_t i = 0; i < 5; ++i) out->Set(context, i, v8::Number::New(isolate, values[i])).Check();
  info.GetReturnValue().Set(out);
}

void Export(v8::Local<v8::Context> context, v8::Local<v8::Object> exports, Shared* S) {
  v8::Isolate* isolate = S->isolate;
  v8::Local<v8::External> data = v8::External::New(isolate, S HS_EXTERNAL_TAG);
  struct Entry {
    const char* name;
    v8::FunctionCallback fn;
  };
  const Entry entries[] = {
      {"setup", Setup},           {"current", Current}, {"create", Create},
      {"switchTo", SwitchTo},     {"kill", Kill},           {"suspendedIds", SuspendedIds},
      {"state", StateOf},         {"configure", Configure}, {"stats", Stats},
  };
  for (const Entry& e : entries) {
    v8::Local<v8::String> name = v8::String::NewFromUtf8(isolate, e.name).ToLocalChecked();
    v8::Local<v8::Function> fn =
        v8::FunctionTemplate::New(isolate, e.fn, data)->GetFunction(context).ToLocalChecked();
    fn->SetName(name);
    exports->Set(context, name, fn).Check();
  }
  exports
      ->Set(context, v8::String::NewFromUtf8(isolate, "v8Major").ToLocalChecked(),
            v8::Integer::New(isolate, V8_MAJOR_VERSION))
      .Check();
  exports
      ->Set(context, v8::String::NewFromUtf8(isolate, "perContextAsyncFrame").ToLocalChecked(),
            v8::Boolean::New(isolate, HARDSWITCH_CPED != 0))
      .Check();
}

}  // namespace hardswitch
