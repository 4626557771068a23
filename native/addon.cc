// Node-API glue: the native boundary of docs/design.md, small on purpose.
//
//   generate(spec) -> Promise<NativeKey>   (libuv threadpool; inputs copied here)
//   generateBatch(spec, n) -> Promise<Array<NativeKey | Error>>
//   generateBlobs(spec, n, kinds) -> Promise<Buffer>   (n keys' blobs, no handles)
//   generateSync(spec) -> NativeKey        (on the calling thread)
//   prepare(spec) -> id                    (a validated spec kept natively; any
//                                           `spec` above may be such an id)
//   importKey(spec, kind, blob) -> Promise<NativeKey>   (kind: public | private | seed;
//   importKeySync(spec, kind, blob) -> NativeKey          blob: a CNG blob)
//   NativeKey: exportBlob(kind), destroy(), destroyed, hasPrivate,
//              sign(params, data) / verify(params, data, sig) / encrypt(params, data)
//              / decrypt(params, data) / derive(peer) / encapsulate() / decapsulate(ct),
//              each -> Promise, and each with a *Sync twin on the calling thread
//   randomBytes(n) -> Buffer
//   capabilities() -> { provider, providerVersion, algorithms }
//
// Platform-neutral: it talks to whichever backend the build linked in through
// native/backend.h.
#include <napi.h>

#include <cmath>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "algorithms.h"
#include "backend.h"

namespace {

class NativeKey;

// Live keys of one env (main thread or a worker), so the env cleanup hook can
// release every handle the GC has not reached yet. Shared by the keys and the
// hook, so their teardown order does not matter.
struct Registry {
  std::unordered_set<NativeKey*> live;
};

struct PendingKey;

struct AddonData {
  Napi::FunctionReference keyCtor;
  std::shared_ptr<Registry> registry = std::make_shared<Registry>();
  // Set only for the synchronous keyCtor.New() through which a finished
  // generation hands its key to the NativeKey constructor: JS calling the
  // constructor finds nothing here. (Not an External: an External still
  // unreached by the GC when a worker's env dies leaks inside node.)
  PendingKey* handOver = nullptr;
  // Specs read once by prepare() and named by their index afterwards, so the
  // fast paths do not read a JS object per call. Never holds a seed.
  std::vector<pk::KeySpec> prepared;
};

// Blobs exported on the threadpool right after generation, so that the JS
// thread only copies them (the provider's export — EC affine coordinates, BN
// conversions — is the costly part). Private ones exist only for extractable
// keys; all are cleansed with the key.
struct BlobCache {
  static constexpr int kKinds = 3;
  bool has[kKinds] = {false, false, false};
  pk::SecureBytes blob[kKinds];

  void Fill(const pk::Key& key, bool extractable) {
    for (pk::BlobKind k : {pk::BlobKind::kPublic, pk::BlobKind::kPrivate, pk::BlobKind::kSeed}) {
      if (k != pk::BlobKind::kPublic && (!extractable || !key.HasPrivate())) continue;
      int i = static_cast<int>(k);
      has[i] = key.Export(k, &blob[i]).ok;  // a failure is reported again when JS asks
    }
  }
  const pk::SecureBytes* Get(pk::BlobKind k) const {
    int i = static_cast<int>(k);
    return has[i] && !blob[i].empty() ? &blob[i] : nullptr;  // a moved-from cache has no blobs
  }
  void Clear() {
    for (int i = 0; i < kKinds; ++i) {
      blob[i].Reset();
      has[i] = false;
    }
  }
};

struct PendingKey {
  std::unique_ptr<pk::Key> key;
  bool extractable = false;
  BlobCache cache;
};

Napi::Error MakeError(Napi::Env env, const pk::Status& s) {
  Napi::Error e = Napi::Error::New(env, s.message);
  e.Set("code", Napi::String::New(env, s.code));
  if (s.hasStatus) e.Set("status", Napi::Number::New(env, s.status));
  if (s.hasOpensslCode) e.Set("opensslCode", Napi::Number::New(env, static_cast<double>(s.opensslCode)));
  if (!s.reason.empty()) e.Set("reason", Napi::String::New(env, s.reason));
  return e;
}

Napi::Error CodedError(Napi::Env env, const char* code, const std::string& message) {
  return MakeError(env, pk::Status::Fail(code, message));
}

Napi::Value Bytes(Napi::Env env, const pk::SecureBytes& b) {
  // The JS copy is the caller's to wipe; the native one is cleansed with `b`.
  return Napi::Buffer<uint8_t>::Copy(env, b.data(), b.size());
}

// --- one operation on a key (sign, verify, ...) -----------------------------

enum class Op { kSign, kVerify, kEncrypt, kDecrypt, kDerive, kEncapsulate, kDecapsulate };

// An operation's inputs (copied out of JS memory on the JS thread) and,
// after Run, its outcome. Holding the keys keeps them alive: destroy() during
// the operation only drops the NativeKey's reference.
struct OpJob {
  Op op = Op::kSign;
  std::shared_ptr<const pk::Key> key;
  std::shared_ptr<const pk::Key> peer;  // derive
  pk::OpParams params;
  pk::SecureBytes in;   // data / ciphertext
  pk::SecureBytes sig;  // verify
  pk::Status status;
  pk::SecureBytes out;     // signature, ciphertext, plaintext, secret
  pk::SecureBytes secret;  // encapsulate
  bool valid = false;      // verify

  void Run() {
    switch (op) {
      case Op::kSign:
        status = key->Sign(params, in, &out);
        break;
      case Op::kVerify:
        status = key->Verify(params, in, sig, &valid);
        break;
      case Op::kEncrypt:
        status = key->Encrypt(params, in, &out);
        break;
      case Op::kDecrypt:
        status = key->Decrypt(params, in, &out);
        break;
      case Op::kDerive:
        status = key->Derive(*peer, &out);
        break;
      case Op::kEncapsulate:
        status = key->Encapsulate(&out, &secret);
        break;
      case Op::kDecapsulate:
        status = key->Decapsulate(in, &out);
        break;
    }
    if (!status.ok) {
      out.Reset();
      secret.Reset();
    }
  }

  // On the JS thread, after a successful Run.
  Napi::Value Result(Napi::Env env) const {
    if (op == Op::kVerify) return Napi::Boolean::New(env, valid);
    if (op != Op::kEncapsulate) return Bytes(env, out);
    Napi::Object o = Napi::Object::New(env);
    o.Set("ciphertext", Bytes(env, out));
    o.Set("sharedSecret", Bytes(env, secret));
    return o;
  }
};

// A threadpool work item that settles one promise. During env teardown
// (worker.terminate(), process.exit()) nothing can be settled, and no
// exception may leave a completion callback: each OnOK catches, as OnError
// here does.
class PromiseWorker : public Napi::AsyncWorker {
 public:
  PromiseWorker(Napi::Env env, const char* resource) : Napi::AsyncWorker(env, resource), deferred_(env) {}

  Napi::Promise Promise() { return deferred_.Promise(); }

  void OnError(const Napi::Error& e) override {
    try {
      deferred_.Reject(e.Value());
    } catch (const Napi::Error&) {
      // the env is going away
    }
  }

 protected:
  Napi::Promise::Deferred deferred_;
};

class OpWorker : public PromiseWorker {
 public:
  OpWorker(Napi::Env env, OpJob job) : PromiseWorker(env, "platform-keygen:operation"), job_(std::move(job)) {}

  void Execute() override { job_.Run(); }

  // As for generation: during env teardown nothing can be settled, and no
  // exception may leave the completion callback; the job's buffers are
  // cleansed and its key references dropped as the worker is deleted.
  void OnOK() override {
    try {
      Napi::Env env = Env();
      Napi::HandleScope scope(env);
      if (job_.status.ok) {
        deferred_.Resolve(job_.Result(env));
      } else {
        deferred_.Reject(MakeError(env, job_.status).Value());
      }
    } catch (const Napi::Error&) {
      // the env is going away
    }
    job_.out.Reset();
    job_.secret.Reset();
  }

 private:
  OpJob job_;
};

constexpr size_t kMaxOpInput = size_t{1} << 30;

// A Uint8Array argument, copied (Execute never reads JS memory).
pk::SecureBytes CopyBytes(Napi::Env env, Napi::Value v, const char* what, size_t max = kMaxOpInput) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throw CodedError(env, "ERR_INVALID_REQUEST", std::string(what) + " must be a Uint8Array");
  }
  Napi::Uint8Array bytes = v.As<Napi::Uint8Array>();
  if (bytes.ByteLength() > max) {
    throw CodedError(env, "ERR_INVALID_REQUEST",
                     std::string(what) + " is too long (at most " + std::to_string(max) + " bytes)");
  }
  return pk::SecureBytes(bytes.Data(), bytes.ByteLength());
}

std::string OneOfProp(Napi::Env env, Napi::Object o, const char* name, std::initializer_list<const char*> allowed,
                      const std::string& fallback) {
  Napi::Value v = o.Get(name);
  if (v.IsUndefined()) return fallback;
  std::string s = v.IsString() ? v.As<Napi::String>().Utf8Value() : "";
  for (const char* a : allowed) {
    if (s == a) return s;
  }
  std::string list;
  for (const char* a : allowed) list += std::string(list.empty() ? "" : ", ") + a;
  throw CodedError(env, "ERR_INVALID_REQUEST", std::string("params.") + name + " must be one of " + list);
}

pk::OpParams ReadParams(Napi::Env env, Napi::Value value) {
  pk::OpParams p;
  if (value.IsUndefined() || value.IsNull()) return p;
  if (!value.IsObject()) throw CodedError(env, "ERR_INVALID_REQUEST", "params must be an object");
  Napi::Object o = value.As<Napi::Object>();
  p.hash = OneOfProp(env, o, "hash", {"SHA-1", "SHA-256", "SHA-384", "SHA-512"}, "");
  p.padding = OneOfProp(env, o, "padding", {"pkcs1", "pss", "oaep"}, "");
  p.signatureEncoding = OneOfProp(env, o, "signatureEncoding", {"ieee-p1363", "der"}, "ieee-p1363");
  Napi::Value salt = o.Get("saltLength");
  if (!salt.IsUndefined()) {
    double d = salt.IsNumber() ? salt.As<Napi::Number>().DoubleValue() : -2;
    if (!(d >= 0 && d <= 65536 && std::floor(d) == d)) {
      throw CodedError(env, "ERR_INVALID_REQUEST", "params.saltLength must be an integer from 0 to 65536");
    }
    p.saltLength = static_cast<int32_t>(d);
  }
  Napi::Value context = o.Get("context");
  if (!context.IsUndefined()) p.context = CopyBytes(env, context, "params.context", 255);
  Napi::Value label = o.Get("label");
  if (!label.IsUndefined()) p.label = CopyBytes(env, label, "params.label", 65536);
  Napi::Value allow = o.Get("allowPkcs1Decrypt");
  if (!allow.IsUndefined()) {
    if (!allow.IsBoolean()) throw CodedError(env, "ERR_INVALID_REQUEST", "params.allowPkcs1Decrypt must be a boolean");
    p.allowPkcs1Decrypt = allow.As<Napi::Boolean>().Value();
  }
  return p;
}

class NativeKey : public Napi::ObjectWrap<NativeKey> {
 public:
  // The methods are plain functions on the prototype rather than ObjectWrap
  // instance methods: destroy() removes the wrap and frees the native object
  // at once (a key destroyed in a synchronous loop leaves nothing behind for
  // a finalizer that only runs when the loop yields), and the methods of a
  // destroyed key must then still answer (ERR_KEY_DESTROYED, destroyed: true).
  static Napi::Function Define(Napi::Env env) {
    Napi::Function ctor = DefineClass(env, "NativeKey", {});
    Napi::Object proto = ctor.Get("prototype").As<Napi::Object>();
    proto.Set("exportBlob", Napi::Function::New<&NativeKey::ExportBlob>(env, "exportBlob"));
    proto.Set("destroy", Napi::Function::New<&NativeKey::Destroy>(env, "destroy"));
    proto.DefineProperty(Napi::PropertyDescriptor::Accessor<&NativeKey::Destroyed>("destroyed"));
    proto.DefineProperty(Napi::PropertyDescriptor::Accessor<&NativeKey::HasPrivateKey>("hasPrivate"));
    proto.Set("sign", Napi::Function::New<&NativeKey::Operation<Op::kSign, false>>(env, "sign"));
    proto.Set("signSync", Napi::Function::New<&NativeKey::Operation<Op::kSign, true>>(env, "signSync"));
    proto.Set("verify", Napi::Function::New<&NativeKey::Operation<Op::kVerify, false>>(env, "verify"));
    proto.Set("verifySync", Napi::Function::New<&NativeKey::Operation<Op::kVerify, true>>(env, "verifySync"));
    proto.Set("encrypt", Napi::Function::New<&NativeKey::Operation<Op::kEncrypt, false>>(env, "encrypt"));
    proto.Set("encryptSync", Napi::Function::New<&NativeKey::Operation<Op::kEncrypt, true>>(env, "encryptSync"));
    proto.Set("decrypt", Napi::Function::New<&NativeKey::Operation<Op::kDecrypt, false>>(env, "decrypt"));
    proto.Set("decryptSync", Napi::Function::New<&NativeKey::Operation<Op::kDecrypt, true>>(env, "decryptSync"));
    proto.Set("derive", Napi::Function::New<&NativeKey::Operation<Op::kDerive, false>>(env, "derive"));
    proto.Set("deriveSync", Napi::Function::New<&NativeKey::Operation<Op::kDerive, true>>(env, "deriveSync"));
    proto.Set("encapsulate", Napi::Function::New<&NativeKey::Operation<Op::kEncapsulate, false>>(env, "encapsulate"));
    proto.Set("encapsulateSync",
              Napi::Function::New<&NativeKey::Operation<Op::kEncapsulate, true>>(env, "encapsulateSync"));
    proto.Set("decapsulate", Napi::Function::New<&NativeKey::Operation<Op::kDecapsulate, false>>(env, "decapsulate"));
    proto.Set("decapsulateSync",
              Napi::Function::New<&NativeKey::Operation<Op::kDecapsulate, true>>(env, "decapsulateSync"));
    return ctor;
  }

  explicit NativeKey(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeKey>(info) {
    Napi::Env env = info.Env();
    AddonData* data = env.GetInstanceData<AddonData>();
    PendingKey* pending = data->handOver;
    data->handOver = nullptr;
    if (pending == nullptr || !pending->key) {
      throw CodedError(env, "ERR_INVALID_REQUEST",
                       "NativeKey objects come from generate() or importKey(); they cannot be constructed");
    }
    key_ = std::shared_ptr<const pk::Key>(std::move(pending->key));
    extractable_ = pending->extractable;
    cache_ = std::move(pending->cache);
    registry_ = env.GetInstanceData<AddonData>()->registry;
    registry_->live.insert(this);
  }

  ~NativeKey() override {
    Release();
    if (registry_) registry_->live.erase(this);
  }

  // The one release path: destroy(), the finalizer and the env cleanup hook
  // all come here. An operation in flight holds its own reference, so the
  // backend's destructor frees the handle exactly once, when the last user
  // (this object or that operation) lets go.
  void Release() {
    key_.reset();
    cache_.Clear();
  }

 private:
  // `this` of a method call, if it is a live NativeKey of this env: null for
  // a destroyed one (its wrap is gone) and for any other object, so that a
  // method called on a foreign object never reinterprets its wrapped pointer.
  static NativeKey* From(const Napi::CallbackInfo& info) { return LiveObject(info.Env(), info.This()); }

  static Napi::Value ExportBlob(const Napi::CallbackInfo& info) {
    NativeKey* self = From(info);
    if (self == nullptr) throw CodedError(info.Env(), "ERR_KEY_DESTROYED", "the key was destroyed");
    return self->DoExportBlob(info);
  }

  Napi::Value DoExportBlob(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!key_) throw CodedError(env, "ERR_KEY_DESTROYED", "the key was destroyed");
    std::string kind = info.Length() > 0 && info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "";
    pk::BlobKind k;
    if (kind == "public") {
      k = pk::BlobKind::kPublic;
    } else if (kind == "private") {
      k = pk::BlobKind::kPrivate;
    } else if (kind == "seed") {
      k = pk::BlobKind::kSeed;
    } else {
      throw CodedError(env, "ERR_INVALID_REQUEST", "exportBlob kind must be 'public', 'private' or 'seed'");
    }
    if (k != pk::BlobKind::kPublic && !key_->HasPrivate()) {
      throw CodedError(env, "ERR_INVALID_REQUEST", "a public key has no private blob");
    }
    if (k != pk::BlobKind::kPublic && !extractable_) {
      throw CodedError(env, "ERR_NOT_EXTRACTABLE", "the key was made with extractable: false");
    }
    if (const pk::SecureBytes* cached = cache_.Get(k)) {
      return Napi::Buffer<uint8_t>::Copy(env, cached->data(), cached->size());
    }
    pk::SecureBytes out;
    pk::Status s = key_->Export(k, &out);
    if (!s.ok) throw MakeError(env, s);
    // The JS copy is the caller's to wipe; the native one is cleansed as
    // `out` goes out of scope.
    return Napi::Buffer<uint8_t>::Copy(env, out.data(), out.size());
  }

  // Releases the key and frees this object now: the wrap is removed first,
  // so the GC finalizer will not run for it (idempotent: a second call finds
  // no wrap).
  static Napi::Value Destroy(const Napi::CallbackInfo& info) {
    NativeKey* self = From(info);
    if (self != nullptr) {
      self->Release();
      void* unused = nullptr;
      if (napi_remove_wrap(info.Env(), info.This(), &unused) == napi_ok) delete self;
    }
    return info.Env().Undefined();
  }

  static Napi::Value Destroyed(const Napi::CallbackInfo& info) {
    NativeKey* self = From(info);
    return Napi::Boolean::New(info.Env(), self == nullptr || !self->key_);
  }

  // The live key of a method call, or ERR_KEY_DESTROYED.
  static std::shared_ptr<const pk::Key> LiveKey(const Napi::CallbackInfo& info) {
    NativeKey* self = From(info);
    if (self == nullptr || !self->key_) throw CodedError(info.Env(), "ERR_KEY_DESTROYED", "the key was destroyed");
    return self->key_;
  }

  static Napi::Value HasPrivateKey(const Napi::CallbackInfo& info) {
    return Napi::Boolean::New(info.Env(), LiveKey(info)->HasPrivate());
  }

  // sign(params, data), verify(params, data, sig), encrypt(params, data),
  // decrypt(params, data), derive(peer), encapsulate(), decapsulate(ct):
  // arguments are read and copied here, on the JS thread; the operation runs
  // on the threadpool (a promise) or, for the *Sync twins, right here.
  template <Op op, bool sync>
  static Napi::Value Operation(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    OpJob job;
    job.op = op;
    job.key = LiveKey(info);
    switch (op) {
      case Op::kSign:
      case Op::kEncrypt:
      case Op::kDecrypt:
        job.params = ReadParams(env, info[0]);
        job.in = CopyBytes(env, info[1], op == Op::kSign ? "data" : op == Op::kEncrypt ? "plaintext" : "ciphertext");
        break;
      case Op::kVerify:
        job.params = ReadParams(env, info[0]);
        job.in = CopyBytes(env, info[1], "data");
        job.sig = CopyBytes(env, info[2], "signature", 1 << 20);
        break;
      case Op::kDerive: {
        NativeKey* peer = LiveObject(env, info[0]);
        if (peer == nullptr || !peer->key_) {
          throw CodedError(env, "ERR_INVALID_REQUEST", "derive takes the peer's live NativeKey");
        }
        job.peer = peer->key_;
        break;
      }
      case Op::kEncapsulate:
        break;
      case Op::kDecapsulate:
        job.in = CopyBytes(env, info[0], "ciphertext", 1 << 20);
        break;
    }
    if (sync) {
      job.Run();
      if (!job.status.ok) throw MakeError(env, job.status);
      return job.Result(env);
    }
    OpWorker* worker = new OpWorker(env, std::move(job));
    Napi::Promise promise = worker->Promise();
    worker->Queue();
    return promise;
  }

  // A live NativeKey of this env, or null (any other value).
  static NativeKey* LiveObject(Napi::Env env, Napi::Value v) {
    void* p = nullptr;
    if (!v.IsObject() || napi_unwrap(env, v, &p) != napi_ok || p == nullptr) return nullptr;
    NativeKey* key = static_cast<NativeKey*>(p);
    return env.GetInstanceData<AddonData>()->registry->live.count(key) != 0 ? key : nullptr;
  }

  std::shared_ptr<const pk::Key> key_;
  bool extractable_ = false;
  BlobCache cache_;
  std::shared_ptr<Registry> registry_;
};

// --- reading the spec (on the JS thread, before the work is queued) ---------

std::string StringProp(Napi::Env env, Napi::Object o, const char* name, bool required) {
  Napi::Value v = o.Get(name);
  if (v.IsUndefined() && !required) return "";
  if (!v.IsString()) throw CodedError(env, "ERR_INVALID_REQUEST", std::string("spec.") + name + " must be a string");
  std::string s = v.As<Napi::String>().Utf8Value();
  if (s.size() > 64) throw CodedError(env, "ERR_INVALID_REQUEST", std::string("spec.") + name + " is too long");
  return s;
}

bool BoolProp(Napi::Env env, Napi::Object o, const char* name, bool fallback) {
  Napi::Value v = o.Get(name);
  if (v.IsUndefined()) return fallback;
  if (!v.IsBoolean()) throw CodedError(env, "ERR_INVALID_REQUEST", std::string("spec.") + name + " must be a boolean");
  return v.As<Napi::Boolean>().Value();
}

// An optional integer property from min to max; 0 when absent.
uint32_t UintProp(Napi::Env env, Napi::Object o, const char* name, uint32_t min, uint32_t max, const char* code) {
  Napi::Value v = o.Get(name);
  if (v.IsUndefined()) return 0;
  double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
  if (!(d >= min && d <= max && std::floor(d) == d)) {
    throw CodedError(
        env, code,
        std::string("spec.") + name + " must be an integer from " + std::to_string(min) + " to " + std::to_string(max));
  }
  return static_cast<uint32_t>(d);
}

pk::KeySpec ReadSpec(Napi::Env env, Napi::Value value) {
  if (!value.IsObject()) throw CodedError(env, "ERR_INVALID_REQUEST", "spec must be an object");
  Napi::Object o = value.As<Napi::Object>();
  pk::KeySpec spec;
  spec.algorithm = StringProp(env, o, "algorithm", true);
  spec.parameterSet = StringProp(env, o, "parameterSet", false);
  spec.curve = StringProp(env, o, "curve", false);
  // The bounds of the registry (native/algorithms.h); each backend checks the
  // length against the algorithm's own rule with alg::CheckGenerate.
  constexpr uint32_t kMaxLength = pk::alg::MaxLength();
  spec.length = UintProp(env, o, "length", 0, kMaxLength, "ERR_KEY_LENGTH");
  spec.publicExponent = UintProp(env, o, "publicExponent", 3, 0xFFFFFFFFu, "ERR_INVALID_REQUEST");
  spec.group = StringProp(env, o, "group", false);
  spec.divisorLength = UintProp(env, o, "divisorLength", 1, 512, "ERR_INVALID_REQUEST");
  Napi::Value seed = o.Get("seed");
  if (!seed.IsUndefined()) {
    if (!seed.IsTypedArray() || seed.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
      throw CodedError(env, "ERR_INVALID_REQUEST", "spec.seed must be a Uint8Array");
    }
    Napi::Uint8Array bytes = seed.As<Napi::Uint8Array>();
    if (bytes.ByteLength() == 0 || bytes.ByteLength() > 64) {
      throw CodedError(env, "ERR_INVALID_REQUEST", "spec.seed must be 1 to 64 bytes");
    }
    spec.seed = pk::SecureBytes(bytes.Data(), bytes.ByteLength());  // copied: Execute never reads JS memory
  }
  spec.noKeyValidation = BoolProp(env, o, "noKeyValidation", false);
  spec.extractable = BoolProp(env, o, "extractable", true);
  spec.validate = BoolProp(env, o, "validate", false);
  return spec;
}

constexpr size_t kMaxPrepared = 4096;

pk::KeySpec CopySpec(const pk::KeySpec& from) {
  pk::KeySpec spec;
  spec.algorithm = from.algorithm;
  spec.length = from.length;
  spec.parameterSet = from.parameterSet;
  spec.curve = from.curve;
  spec.publicExponent = from.publicExponent;
  spec.group = from.group;
  spec.divisorLength = from.divisorLength;
  spec.noKeyValidation = from.noKeyValidation;
  spec.extractable = from.extractable;
  spec.validate = from.validate;
  return spec;  // never a seed: prepared and batched specs have none
}

// A spec object, or the id prepare() returned for one.
pk::KeySpec SpecArg(Napi::Env env, Napi::Value value) {
  if (!value.IsNumber()) return ReadSpec(env, value);
  const std::vector<pk::KeySpec>& prepared = env.GetInstanceData<AddonData>()->prepared;
  double d = value.As<Napi::Number>().DoubleValue();
  if (!(d >= 0 && d < static_cast<double>(prepared.size()) && std::floor(d) == d)) {
    throw CodedError(env, "ERR_INVALID_REQUEST", "unknown prepared spec id");
  }
  return CopySpec(prepared[static_cast<size_t>(d)]);
}

// prepare(spec) -> id: checks the spec as generate() would and keeps it.
Napi::Value Prepare(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  pk::KeySpec spec = ReadSpec(env, info[0]);
  if (!spec.seed.empty()) throw CodedError(env, "ERR_INVALID_REQUEST", "a spec with a seed cannot be prepared");
  std::vector<pk::KeySpec>& prepared = env.GetInstanceData<AddonData>()->prepared;
  if (prepared.size() >= kMaxPrepared) throw CodedError(env, "ERR_INVALID_REQUEST", "too many prepared specs");
  prepared.push_back(std::move(spec));
  return Napi::Number::New(env, static_cast<double>(prepared.size() - 1));
}

// One generation (or import) request and, after Execute, its outcome.
struct Job {
  pk::KeySpec spec;  // its seed is cleansed when the job is destroyed
  bool import = false;
  pk::BlobKind importKind = pk::BlobKind::kPublic;
  pk::SecureBytes importBlob;  // copied from JS; cleansed with the job
  pk::Status status;
  std::unique_ptr<pk::Key> key;  // freed with the job if never handed to JS
  BlobCache cache;

  // On a threadpool thread (prefill: export the blobs there too, so the JS
  // thread only copies them), or on the JS thread for generateSync (no
  // prefill: blobs are exported when first asked for, on the same thread).
  void Run(bool prefill = true) {
    status = import ? pk::Import(spec, importKind, importBlob, &key) : pk::Generate(spec, &key);
    importBlob.Reset();
    if (status.ok && spec.validate) {
      status = key->Validate();
      if (!status.ok) key.reset();
    }
    if (status.ok && prefill) cache.Fill(*key, spec.extractable);
  }

  // On the JS thread: the NativeKey, or the error as a value.
  Napi::Value Settle(Napi::Env env, bool* failed) {
    *failed = true;
    if (!status.ok) return MakeError(env, status).Value();
    try {
      PendingKey pending{std::move(key), spec.extractable, std::move(cache)};
      AddonData* data = env.GetInstanceData<AddonData>();
      data->handOver = &pending;
      Napi::Object obj;
      try {
        obj = data->keyCtor.New({});
      } catch (...) {
        data->handOver = nullptr;
        throw;
      }
      data->handOver = nullptr;
      *failed = false;
      return obj;
      // If construction failed, `pending` still owns the key and frees it here.
    } catch (const Napi::Error& e) {
      return e.Value();
    }
  }
};

// Runs one job (generate) or several one after another (generateBatch: one
// threadpool work item and one promise for many keys, which is what makes
// small keys cheap to ask for).
class GenerateWorker : public PromiseWorker {
 public:
  GenerateWorker(Napi::Env env, std::vector<Job> jobs, bool batch)
      : PromiseWorker(env, "platform-keygen:generate"), jobs_(std::move(jobs)), batch_(batch) {}

  void Execute() override {
    for (Job& job : jobs_) job.Run();
  }

  // When the env is being torn down (worker.terminate(), process.exit())
  // while keys are still being generated, the work completes during the
  // teardown and no JS can run: creating the NativeKey or settling the promise
  // fails. Nothing is left to tell; the jobs free their keys as the worker is
  // deleted, and no exception may leave the completion callback.
  void OnOK() override {
    try {
      Napi::Env env = Env();
      Napi::HandleScope scope(env);
      bool failed = false;
      if (!batch_) {
        Napi::Value v = jobs_[0].Settle(env, &failed);
        if (failed) {
          deferred_.Reject(v);
        } else {
          deferred_.Resolve(v);
        }
        return;
      }
      Napi::Array out = Napi::Array::New(env, jobs_.size());
      for (size_t i = 0; i < jobs_.size(); ++i) out.Set(static_cast<uint32_t>(i), jobs_[i].Settle(env, &failed));
      deferred_.Resolve(out);
    } catch (const Napi::Error&) {
      // the env is going away (see above)
    }
  }

 private:
  std::vector<Job> jobs_;
  bool batch_;
};

Napi::Value Generate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<Job> jobs(1);
  jobs[0].spec = SpecArg(env, info[0]);
  GenerateWorker* worker = new GenerateWorker(env, std::move(jobs), false);
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

constexpr uint32_t kMaxBatch = 4096;

// generateBatch's and generateBlobs' count (info[1]): 1 to kMaxBatch, and a spec without a seed.
size_t BatchCount(Napi::Env env, const Napi::CallbackInfo& info, const pk::KeySpec& spec) {
  double n = info.Length() > 1 && info[1].IsNumber() ? info[1].As<Napi::Number>().DoubleValue() : 0;
  if (!(n >= 1 && n <= kMaxBatch && std::floor(n) == n)) {
    throw CodedError(env, "ERR_INVALID_REQUEST", "a batch holds 1 to 4096 keys");
  }
  if (!spec.seed.empty()) throw CodedError(env, "ERR_INVALID_REQUEST", "seeded keys are generated one at a time");
  return static_cast<size_t>(n);
}

// generateBatch(spec, count) -> Promise<Array<NativeKey | Error>>: count keys
// of one spec in one work item; each element settles on its own.
Napi::Value GenerateBatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  pk::KeySpec spec = SpecArg(env, info[0]);
  const size_t n = BatchCount(env, info, spec);
  std::vector<Job> jobs(n);
  for (Job& job : jobs) job.spec = CopySpec(spec);
  GenerateWorker* worker = new GenerateWorker(env, std::move(jobs), true);
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

// generateBlobs(spec, count, kinds) -> Promise<Buffer>: count keys of one
// spec made, exported and released on one threadpool thread, for callers that
// want encoded keys and no handles (generateKeys with export options). The
// Buffer holds, per key and per kind in `kinds` (a string of 'p' private,
// 's' seed, 'u' public), a 4-byte little-endian length and that blob. All or
// nothing: the first failure rejects and every blob made is cleansed. Each key
// is freed (its private material cleansed by the backend) before the next is
// made; the blobs are cleansed as the worker is deleted, once copied to JS.
class BlobsWorker : public PromiseWorker {
 public:
  BlobsWorker(Napi::Env env, pk::KeySpec spec, size_t count, std::vector<pk::BlobKind> kinds)
      : PromiseWorker(env, "platform-keygen:generate"),
        spec_(std::move(spec)),
        count_(count),
        kinds_(std::move(kinds)) {}

  void Execute() override {
    blobs_.reserve(count_ * kinds_.size());
    for (size_t i = 0; i < count_; ++i) {
      std::unique_ptr<pk::Key> key;
      status_ = pk::Generate(spec_, &key);
      if (status_.ok && spec_.validate) status_ = key->Validate();
      for (pk::BlobKind k : kinds_) {
        if (!status_.ok) break;
        pk::SecureBytes out;
        status_ = key->Export(k, &out);
        if (status_.ok) {
          total_ += 4 + out.size();
          blobs_.push_back(std::move(out));
        }
      }
      if (!status_.ok) {
        blobs_.clear();  // each SecureBytes cleanses itself
        return;
      }
    }
  }

  // As GenerateWorker: during env teardown nothing can be settled, and no
  // exception may leave the completion callback.
  void OnOK() override {
    try {
      Napi::Env env = Env();
      Napi::HandleScope scope(env);
      if (!status_.ok) {
        deferred_.Reject(MakeError(env, status_).Value());
        return;
      }
      Napi::Buffer<uint8_t> buf = Napi::Buffer<uint8_t>::New(env, total_);
      uint8_t* p = buf.Data();
      for (const pk::SecureBytes& b : blobs_) {
        const size_t n = b.size();
        for (int i = 0; i < 4; ++i) *p++ = static_cast<uint8_t>((n >> (8 * i)) & 0xff);
        for (size_t i = 0; i < n; ++i) *p++ = b.data()[i];
      }
      blobs_.clear();
      deferred_.Resolve(buf);
    } catch (const Napi::Error&) {
      // the env is going away
    }
  }

 private:
  pk::KeySpec spec_;
  size_t count_;
  std::vector<pk::BlobKind> kinds_;
  std::vector<pk::SecureBytes> blobs_;
  size_t total_ = 0;
  pk::Status status_;
};

Napi::Value GenerateBlobs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  pk::KeySpec spec = SpecArg(env, info[0]);
  const size_t n = BatchCount(env, info, spec);
  std::string letters = info.Length() > 2 && info[2].IsString() ? info[2].As<Napi::String>().Utf8Value() : "";
  std::vector<pk::BlobKind> kinds;
  for (char c : letters) {
    if (c == 'p') {
      kinds.push_back(pk::BlobKind::kPrivate);
    } else if (c == 's') {
      kinds.push_back(pk::BlobKind::kSeed);
    } else if (c == 'u') {
      kinds.push_back(pk::BlobKind::kPublic);
    } else {
      kinds.clear();
      break;
    }
  }
  if (kinds.empty() || kinds.size() > 3) {
    throw CodedError(env, "ERR_INVALID_REQUEST", "generateBlobs kinds: one to three of 'p', 's', 'u'");
  }
  for (pk::BlobKind k : kinds) {
    if (k != pk::BlobKind::kPublic && !spec.extractable) {
      throw CodedError(env, "ERR_NOT_EXTRACTABLE", "the keys are made with extractable: false");
    }
  }
  BlobsWorker* worker = new BlobsWorker(env, std::move(spec), n, std::move(kinds));
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

// generateSync(spec) -> NativeKey: the same job on the calling thread, for
// keys that take microseconds (no threadpool hop, no promise).
Napi::Value GenerateSync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Job job;
  job.spec = SpecArg(env, info[0]);
  job.Run(false);
  bool failed = false;
  Napi::Value v = job.Settle(env, &failed);
  if (failed) throw Napi::Error(env, v);
  return v;
}

// importKey(spec, kind, blob): the job of generate(), with Import for Generate.
Job ImportJob(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Job job;
  job.spec = ReadSpec(env, info[0]);
  if (!job.spec.seed.empty()) throw CodedError(env, "ERR_INVALID_REQUEST", "an imported key's spec has no seed");
  std::string kind = info.Length() > 1 && info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "";
  if (kind == "public") {
    job.importKind = pk::BlobKind::kPublic;
  } else if (kind == "private") {
    job.importKind = pk::BlobKind::kPrivate;
  } else if (kind == "seed") {
    job.importKind = pk::BlobKind::kSeed;
  } else {
    throw CodedError(env, "ERR_INVALID_REQUEST", "importKey kind must be 'public', 'private' or 'seed'");
  }
  job.import = true;
  job.importBlob = CopyBytes(env, info[2], "blob", 1 << 20);
  return job;
}

Napi::Value ImportKey(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<Job> jobs;
  jobs.push_back(ImportJob(info));
  GenerateWorker* worker = new GenerateWorker(env, std::move(jobs), false);
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

Napi::Value ImportKeySync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Job job = ImportJob(info);
  job.Run(false);
  bool failed = false;
  Napi::Value v = job.Settle(env, &failed);
  if (failed) throw Napi::Error(env, v);
  return v;
}

constexpr size_t kMaxRandomBytes = 1 << 20;

Napi::Value RandomBytes(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  double d = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : -1;
  if (!(d >= 0 && d <= kMaxRandomBytes && std::floor(d) == d)) {
    throw CodedError(env, "ERR_INVALID_REQUEST", "randomBytes takes an integer from 0 to 1048576");
  }
  size_t n = static_cast<size_t>(d);
  Napi::Buffer<uint8_t> buf = Napi::Buffer<uint8_t>::New(env, n);
  pk::Status s = pk::RandomBytes(buf.Data(), n);
  if (!s.ok) throw MakeError(env, s);
  return buf;
}

Napi::Value Capabilities(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  pk::Capabilities caps = pk::GetCapabilities();
  Napi::Object out = Napi::Object::New(env);
  out.Set("provider", caps.provider);
  out.Set("providerVersion", caps.providerVersion);
  Napi::Object algorithms = Napi::Object::New(env);
  for (const pk::AlgorithmCapability& a : caps.algorithms) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("supported", a.supported);
    auto list = [&env](const std::vector<std::string>& items) {
      Napi::Array arr = Napi::Array::New(env, items.size());
      for (size_t i = 0; i < items.size(); ++i) arr.Set(static_cast<uint32_t>(i), items[i]);
      return arr;
    };
    if (!a.parameterSets.empty() || a.id == "ML-DSA" || a.id == "ML-KEM") o.Set("parameterSets", list(a.parameterSets));
    if (!a.curves.empty()) o.Set("curves", list(a.curves));
    if (!a.note.empty()) o.Set("note", a.note);
    algorithms.Set(a.id, o);
  }
  out.Set("algorithms", algorithms);
  return out;
}

// Diagnostics for the lifecycle tests: native keys alive in the process, and
// NativeKey objects alive in this env.
Napi::Value LiveHandles(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  out.Set("process", Napi::Number::New(env, static_cast<double>(pk::Key::LiveCount().load())));
  out.Set("env", Napi::Number::New(env, static_cast<double>(env.GetInstanceData<AddonData>()->registry->live.size())));
  return out;
}

// The registries whose env cleanup hook has not run yet, each held here for
// its hook (the keys hold theirs). Static rather than a heap object handed to
// the hook: an env that ends without running its hooks (process.exit() on
// Node 24) then leaves nothing unreachable behind. Worker envs add and remove
// theirs from their own threads, hence the mutex.
std::mutex& HookedMutex() {
  static std::mutex m;
  return m;
}
std::unordered_map<Registry*, std::shared_ptr<Registry>>& Hooked() {
  static auto* hooked = new std::unordered_map<Registry*, std::shared_ptr<Registry>>();
  return *hooked;
}

void CleanupHook(void* arg) {
  std::shared_ptr<Registry> registry;
  {
    std::lock_guard<std::mutex> lock(HookedMutex());
    auto it = Hooked().find(static_cast<Registry*>(arg));
    if (it == Hooked().end()) return;
    registry = std::move(it->second);
    Hooked().erase(it);
  }
  for (NativeKey* key : registry->live) key->Release();
}

// --- keys kept by the platform (issue 15) -------------------------------------
//   createStoredKey(spec, storeRef, overwrite) -> Promise<{ key, persisted? }>
//   openStoredKey(storeRef, expectSpec?, persisted?) -> Promise<NativeKey>
//   deleteStoredKey(storeRef) -> Promise<undefined>
//   listStoredKeys(storeRef) -> Promise<Array<{ name, algorithm, length, scope }>>
//   probeStore(store) -> Promise<{ store, available, keepsNames, note, algorithms, rsaLengths }>
//   storeKeepsNames(store) -> boolean
// storeRef: { store, scope?, name }. Inputs are copied here, on the JS thread.
// Stored keys are never extractable (the store keeps the private part).

std::string RefProp(Napi::Env env, Napi::Object o, const char* name, bool required, size_t max) {
  Napi::Value v = o.Get(name);
  if (v.IsUndefined() && !required) return "";
  if (!v.IsString())
    throw CodedError(env, "ERR_INVALID_REQUEST", std::string("storeRef.") + name + " must be a string");
  std::string s = v.As<Napi::String>().Utf8Value();
  if (s.size() > max) throw CodedError(env, "ERR_INVALID_REQUEST", std::string("storeRef.") + name + " is too long");
  return s;
}

pk::StoreRef ReadStoreRef(Napi::Env env, Napi::Value value, bool needName) {
  if (!value.IsObject()) throw CodedError(env, "ERR_INVALID_REQUEST", "storeRef must be an object");
  Napi::Object o = value.As<Napi::Object>();
  pk::StoreRef ref;
  ref.store = RefProp(env, o, "store", true, 16);
  ref.scope = RefProp(env, o, "scope", false, 16);
  ref.name = RefProp(env, o, "name", needName, 256);
  return ref;
}

pk::SecureBytes OptionalBytes(Napi::Env env, Napi::Value v, const char* what) {
  if (v.IsUndefined() || v.IsNull()) return pk::SecureBytes();
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throw CodedError(env, "ERR_INVALID_REQUEST", std::string(what) + " must be a Uint8Array");
  }
  Napi::Uint8Array bytes = v.As<Napi::Uint8Array>();
  if (bytes.ByteLength() > (1 << 16)) throw CodedError(env, "ERR_INVALID_REQUEST", std::string(what) + " is too long");
  return pk::SecureBytes(bytes.Data(), bytes.ByteLength());
}

Napi::Array StringArray(Napi::Env env, const std::vector<std::string>& items) {
  Napi::Array arr = Napi::Array::New(env, items.size());
  for (size_t i = 0; i < items.size(); ++i) arr.Set(static_cast<uint32_t>(i), items[i]);
  return arr;
}

class StoreWorker : public PromiseWorker {
 public:
  enum class Kind { kCreate, kOpen, kDelete, kList, kProbe };

  StoreWorker(Napi::Env env, Kind kind) : PromiseWorker(env, "platform-keygen:store"), kind_(kind) {}

  Kind kind_;
  pk::KeySpec spec_;  // create: what to make; open: what the record says (may be empty)
  pk::StoreRef ref_;
  bool overwrite_ = false;
  pk::SecureBytes persisted_;  // open: in; create: out

  void Execute() override {
    switch (kind_) {
      case Kind::kCreate:
        job_.status = pk::CreateStoredKey(spec_, ref_, overwrite_, &job_.key, &persisted_);
        break;
      case Kind::kOpen:
        job_.status = pk::OpenStoredKey(ref_, spec_, persisted_, &job_.key);
        persisted_.Reset();
        break;
      case Kind::kDelete:
        job_.status = pk::DeleteStoredKey(ref_);
        break;
      case Kind::kList:
        job_.status = pk::ListStoredKeys(ref_, &list_);
        break;
      case Kind::kProbe:
        probe_ = pk::ProbeStore(ref_.store);
        break;
    }
    if (job_.status.ok && job_.key) job_.cache.Fill(*job_.key, false);  // the public blob, exported here
  }

  void OnOK() override {
    try {
      Napi::Env env = Env();
      Napi::HandleScope scope(env);
      if (!job_.status.ok) {
        deferred_.Reject(MakeError(env, job_.status).Value());
        return;
      }
      bool rejected = false;
      Napi::Value v = Result(env, &rejected);
      if (rejected) {
        deferred_.Reject(v);
      } else {
        deferred_.Resolve(v);
      }
    } catch (const Napi::Error&) {
      // the env is going away: nothing can be settled; the job frees its key
    }
    persisted_.Reset();
  }

 private:
  // The value to settle with; *rejected when it is an error (the NativeKey
  // could not be made).
  Napi::Value Result(Napi::Env env, bool* rejected) {
    switch (kind_) {
      case Kind::kCreate:
      case Kind::kOpen: {
        job_.spec.extractable = false;
        bool failed = false;
        Napi::Value key = job_.Settle(env, &failed);
        if (failed) {
          *rejected = true;
          return key;
        }
        if (kind_ == Kind::kOpen) return key;
        Napi::Object o = Napi::Object::New(env);
        o.Set("key", key);
        if (!persisted_.empty())
          o.Set("persisted", Napi::Buffer<uint8_t>::Copy(env, persisted_.data(), persisted_.size()));
        return o;
      }
      case Kind::kDelete:
        return env.Undefined();
      case Kind::kList: {
        Napi::Array arr = Napi::Array::New(env, list_.size());
        for (size_t i = 0; i < list_.size(); ++i) {
          Napi::Object o = Napi::Object::New(env);
          o.Set("name", list_[i].name);
          o.Set("algorithm", list_[i].algorithm);
          if (list_[i].length != 0) o.Set("length", Napi::Number::New(env, list_[i].length));
          o.Set("scope", list_[i].scope);
          arr.Set(static_cast<uint32_t>(i), o);
        }
        return arr;
      }
      case Kind::kProbe: {
        Napi::Object o = Napi::Object::New(env);
        o.Set("store", probe_.store);
        o.Set("available", probe_.available);
        o.Set("keepsNames", probe_.keepsNames);
        if (!probe_.note.empty()) o.Set("note", probe_.note);
        o.Set("algorithms", StringArray(env, probe_.algorithms));
        Napi::Array lengths = Napi::Array::New(env, probe_.rsaLengths.size());
        for (size_t i = 0; i < probe_.rsaLengths.size(); ++i) {
          lengths.Set(static_cast<uint32_t>(i), Napi::Number::New(env, probe_.rsaLengths[i]));
        }
        o.Set("rsaLengths", lengths);
        return o;
      }
    }
    return env.Undefined();
  }

  Job job_;  // status, and the key (with its public blob) handed to JS as a NativeKey
  std::vector<pk::StoredKeyInfo> list_;
  pk::StoreCapability probe_;
};

Napi::Value Queue(StoreWorker* worker) {
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

Napi::Value CreateStoredKey(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  pk::KeySpec spec = ReadSpec(env, info[0]);
  if (!spec.seed.empty()) throw CodedError(env, "ERR_INVALID_REQUEST", "a stored key is never made from a seed");
  pk::StoreRef ref = ReadStoreRef(env, info[1], true);
  bool overwrite = info.Length() > 2 && info[2].IsBoolean() && info[2].As<Napi::Boolean>().Value();
  auto* worker = new StoreWorker(env, StoreWorker::Kind::kCreate);
  worker->spec_ = std::move(spec);
  worker->ref_ = std::move(ref);
  worker->overwrite_ = overwrite;
  return Queue(worker);
}

Napi::Value OpenStoredKey(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  pk::StoreRef ref = ReadStoreRef(env, info[0], true);
  pk::KeySpec expect;
  if (info.Length() > 1 && !info[1].IsUndefined() && !info[1].IsNull()) expect = ReadSpec(env, info[1]);
  pk::SecureBytes persisted = OptionalBytes(env, info[2], "persisted");
  auto* worker = new StoreWorker(env, StoreWorker::Kind::kOpen);
  worker->ref_ = std::move(ref);
  worker->spec_ = std::move(expect);
  worker->persisted_ = std::move(persisted);
  return Queue(worker);
}

Napi::Value DeleteStoredKey(const Napi::CallbackInfo& info) {
  auto* worker = new StoreWorker(info.Env(), StoreWorker::Kind::kDelete);
  worker->ref_ = ReadStoreRef(info.Env(), info[0], true);
  return Queue(worker);
}

Napi::Value ListStoredKeys(const Napi::CallbackInfo& info) {
  auto* worker = new StoreWorker(info.Env(), StoreWorker::Kind::kList);
  worker->ref_ = ReadStoreRef(info.Env(), info[0], false);
  return Queue(worker);
}

Napi::Value ProbeStore(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) throw CodedError(env, "ERR_INVALID_REQUEST", "store must be a string");
  auto* worker = new StoreWorker(env, StoreWorker::Kind::kProbe);
  worker->ref_.store = info[0].As<Napi::String>().Utf8Value();
  return Queue(worker);
}

Napi::Value StoreKeepsNames(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) throw CodedError(env, "ERR_INVALID_REQUEST", "store must be a string");
  return Napi::Boolean::New(env, pk::StoreKeepsNames(info[0].As<Napi::String>().Utf8Value()));
}

void InitStoredKeys(Napi::Env env, Napi::Object exports) {
  exports.Set("createStoredKey", Napi::Function::New<CreateStoredKey>(env, "createStoredKey"));
  exports.Set("openStoredKey", Napi::Function::New<OpenStoredKey>(env, "openStoredKey"));
  exports.Set("deleteStoredKey", Napi::Function::New<DeleteStoredKey>(env, "deleteStoredKey"));
  exports.Set("listStoredKeys", Napi::Function::New<ListStoredKeys>(env, "listStoredKeys"));
  exports.Set("probeStore", Napi::Function::New<ProbeStore>(env, "probeStore"));
  exports.Set("storeKeepsNames", Napi::Function::New<StoreKeepsNames>(env, "storeKeepsNames"));
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto* data = new AddonData();
  data->keyCtor = Napi::Persistent(NativeKey::Define(env));
  env.SetInstanceData<AddonData>(data);
  {
    std::lock_guard<std::mutex> lock(HookedMutex());
    Hooked()[data->registry.get()] = data->registry;
  }
  napi_add_env_cleanup_hook(env, CleanupHook, data->registry.get());
  exports.Set("generate", Napi::Function::New<Generate>(env, "generate"));
  exports.Set("generateBatch", Napi::Function::New<GenerateBatch>(env, "generateBatch"));
  exports.Set("generateBlobs", Napi::Function::New<GenerateBlobs>(env, "generateBlobs"));
  exports.Set("generateSync", Napi::Function::New<GenerateSync>(env, "generateSync"));
  exports.Set("prepare", Napi::Function::New<Prepare>(env, "prepare"));
  exports.Set("importKey", Napi::Function::New<ImportKey>(env, "importKey"));
  exports.Set("importKeySync", Napi::Function::New<ImportKeySync>(env, "importKeySync"));
  exports.Set("randomBytes", Napi::Function::New<RandomBytes>(env, "randomBytes"));
  exports.Set("capabilities", Napi::Function::New<Capabilities>(env, "capabilities"));
  exports.Set("liveHandles", Napi::Function::New<LiveHandles>(env, "liveHandles"));
  InitStoredKeys(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(platform_keygen, Init)
