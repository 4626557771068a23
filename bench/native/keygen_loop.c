/*
 * The raw OpenSSL limit for the benchmark (bench/README.md).
 *
 * run(opts) runs, synchronously, a tight EVP key generation loop on 1 or 2
 * pthreads. Each thread prepares its EVP_PKEY_CTX once (EVP_PKEY_CTX_new_from_name
 * + EVP_PKEY_keygen_init + EVP_PKEY_CTX_set_params: the algorithm is fetched
 * once), then repeats EVP_PKEY_generate + EVP_PKEY_free until its time budget
 * is spent. With export: 'jwk' it also reads the components a private JWK
 * needs, as platform-keygen's native layer does (EVP_PKEY_get_bn_param /
 * EVP_PKEY_get_octet_string_param, big-endian bytes into a buffer, cleansed).
 *
 * DSA: there is no shared parameter set to reuse (every DSA key gets fresh
 * FIPS 186-4 domain parameters, as in platform-keygen and node:crypto), so
 * each key is a paramgen on the prepared paramgen context + a keygen.
 * DH: the RFC 7919 group by name (ffdhe2048, ...), as platform-keygen uses.
 *
 * Every symbol resolves to the OpenSSL inside the node binary that loads this
 * addon (no libcrypto is linked), so Node 20 measures OpenSSL 3.0 and Node 24
 * OpenSSL 3.5. Newer algorithms (ML-DSA, ML-KEM) are reached by name.
 */
#define _POSIX_C_SOURCE 200809L
#include <node_api.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

enum family { F_RSA, F_EC, F_OKP, F_FFC_DH, F_FFC_DSA, F_PQ };

typedef struct {
  char keytype[32];
  char group[32];
  enum family family;
  size_t bits;
  size_t qbits;
  int do_export;
  double seconds;
  long min_keys;
  long max_keys;
} job_t;

/* A start gate (pthread_barrier_t is missing on macOS): all threads prepared, then go. */
typedef struct {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int waiting;
  int total;
} gate_t;

static void gate_wait(gate_t* g) {
  pthread_mutex_lock(&g->mu);
  if (++g->waiting >= g->total) {
    pthread_cond_broadcast(&g->cv);
  } else {
    while (g->waiting < g->total) pthread_cond_wait(&g->cv, &g->mu);
  }
  pthread_mutex_unlock(&g->mu);
}

typedef struct {
  const job_t* job;
  gate_t* start;
  long keys;
  double secs;
  char err[256];
} worker_t;

static double now_sec(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void set_err(worker_t* w, const char* what) {
  unsigned long e = ERR_get_error();
  char buf[160] = "";
  if (e != 0) ERR_error_string_n(e, buf, sizeof buf);
  snprintf(w->err, sizeof w->err, "%s%s%s", what, e ? ": " : "", buf);
  ERR_clear_error();
}

/* Reads one BIGNUM component into buf, big-endian; 0 on failure. */
static int take_bn(const EVP_PKEY* k, const char* name, unsigned char* buf, size_t cap) {
  BIGNUM* bn = NULL;
  if (EVP_PKEY_get_bn_param(k, name, &bn) != 1 || bn == NULL) return 0;
  int n = BN_num_bytes(bn);
  int ok = n >= 0 && (size_t)n <= cap && BN_bn2binpad(bn, buf, n) == n;
  BN_clear_free(bn);
  OPENSSL_cleanse(buf, n > 0 && (size_t)n <= cap ? (size_t)n : 0);
  return ok;
}

static int take_octets(const EVP_PKEY* k, const char* name, unsigned char* buf, size_t cap) {
  size_t len = 0;
  if (EVP_PKEY_get_octet_string_param(k, name, buf, cap, &len) != 1) return 0;
  OPENSSL_cleanse(buf, len);
  return 1;
}

/* The components of a private JWK (ML-*: pub and the seed, as RFC 9964's priv). */
static int export_jwk(const EVP_PKEY* k, enum family f, unsigned char* buf, size_t cap) {
  switch (f) {
    case F_RSA:
      return take_bn(k, OSSL_PKEY_PARAM_RSA_N, buf, cap) && take_bn(k, OSSL_PKEY_PARAM_RSA_E, buf, cap) &&
             take_bn(k, OSSL_PKEY_PARAM_RSA_D, buf, cap) && take_bn(k, OSSL_PKEY_PARAM_RSA_FACTOR1, buf, cap) &&
             take_bn(k, OSSL_PKEY_PARAM_RSA_FACTOR2, buf, cap) && take_bn(k, OSSL_PKEY_PARAM_RSA_EXPONENT1, buf, cap) &&
             take_bn(k, OSSL_PKEY_PARAM_RSA_EXPONENT2, buf, cap) &&
             take_bn(k, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, buf, cap);
    case F_EC:
      /* the public point as one uncompressed encoding (one affine conversion), then d */
      return take_octets(k, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, buf, cap) &&
             take_bn(k, OSSL_PKEY_PARAM_PRIV_KEY, buf, cap);
    case F_OKP:
      return take_octets(k, OSSL_PKEY_PARAM_PUB_KEY, buf, cap) && take_octets(k, OSSL_PKEY_PARAM_PRIV_KEY, buf, cap);
    case F_FFC_DH:
    case F_FFC_DSA:
      /* No JWK for DH / DSA: the components a PEM/blob needs. */
      return take_bn(k, OSSL_PKEY_PARAM_FFC_P, buf, cap) && take_bn(k, OSSL_PKEY_PARAM_FFC_G, buf, cap) &&
             take_bn(k, OSSL_PKEY_PARAM_PUB_KEY, buf, cap) && take_bn(k, OSSL_PKEY_PARAM_PRIV_KEY, buf, cap);
    case F_PQ:
      return take_octets(k, OSSL_PKEY_PARAM_PUB_KEY, buf, cap) && take_octets(k, "seed", buf, cap);
  }
  return 0;
}

/* The prepared context: keygen (or, for DSA, paramgen) with its parameters set. */
static EVP_PKEY_CTX* prepare(const job_t* j, worker_t* w) {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(NULL, j->keytype, NULL);
  if (ctx == NULL) {
    set_err(w, "EVP_PKEY_CTX_new_from_name found no such algorithm");
    return NULL;
  }
  int ok = j->family == F_FFC_DSA ? EVP_PKEY_paramgen_init(ctx) == 1 : EVP_PKEY_keygen_init(ctx) == 1;
  if (!ok) {
    set_err(w, "init failed");
    EVP_PKEY_CTX_free(ctx);
    return NULL;
  }
  OSSL_PARAM params[6];
  int n = 0;
  size_t bits = j->bits, qbits = j->qbits;
  unsigned long e = 65537;
  char group[32], type[] = "fips186_4", digest[] = "SHA256";
  memcpy(group, j->group, sizeof group);
  switch (j->family) {
    case F_RSA:
      params[n++] = OSSL_PARAM_construct_size_t(OSSL_PKEY_PARAM_RSA_BITS, &bits);
      params[n++] = OSSL_PARAM_construct_ulong(OSSL_PKEY_PARAM_RSA_E, &e);
      break;
    case F_EC:
    case F_FFC_DH:
      params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0);
      break;
    case F_FFC_DSA:
      params[n++] = OSSL_PARAM_construct_size_t(OSSL_PKEY_PARAM_FFC_PBITS, &bits);
      params[n++] = OSSL_PARAM_construct_size_t(OSSL_PKEY_PARAM_FFC_QBITS, &qbits);
      params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_FFC_TYPE, type, 0);
      params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_FFC_DIGEST, digest, 0);
      break;
    default:
      break;
  }
  params[n] = OSSL_PARAM_construct_end();
  if (n > 0 && EVP_PKEY_CTX_set_params(ctx, params) != 1) {
    set_err(w, "EVP_PKEY_CTX_set_params failed");
    EVP_PKEY_CTX_free(ctx);
    return NULL;
  }
  return ctx;
}

static EVP_PKEY* generate_one(const job_t* j, EVP_PKEY_CTX* ctx, worker_t* w) {
  EVP_PKEY* k = NULL;
  if (j->family != F_FFC_DSA) {
    if (EVP_PKEY_generate(ctx, &k) != 1) {
      EVP_PKEY_free(k);
      set_err(w, "EVP_PKEY_generate failed");
      return NULL;
    }
    return k;
  }
  EVP_PKEY* params = NULL;
  if (EVP_PKEY_generate(ctx, &params) != 1) {
    EVP_PKEY_free(params);
    set_err(w, "DSA parameter generation failed");
    return NULL;
  }
  EVP_PKEY_CTX* kctx = EVP_PKEY_CTX_new_from_pkey(NULL, params, NULL);
  if (kctx == NULL || EVP_PKEY_keygen_init(kctx) != 1 || EVP_PKEY_generate(kctx, &k) != 1) {
    EVP_PKEY_free(k);
    k = NULL;
    set_err(w, "DSA key generation failed");
  }
  EVP_PKEY_CTX_free(kctx);
  EVP_PKEY_free(params);
  return k;
}

static void* worker_main(void* arg) {
  worker_t* w = (worker_t*)arg;
  const job_t* j = w->job;
  static __thread unsigned char buf[8192];
  EVP_PKEY_CTX* ctx = prepare(j, w);
  gate_wait(w->start);
  if (ctx == NULL) return NULL;
  double t0 = now_sec();
  long n = 0;
  for (;;) {
    EVP_PKEY* k = generate_one(j, ctx, w);
    if (k == NULL) break;
    if (j->do_export && !export_jwk(k, j->family, buf, sizeof buf)) {
      set_err(w, "component export failed");
      EVP_PKEY_free(k);
      break;
    }
    EVP_PKEY_free(k);
    ++n;
    if (n >= j->max_keys) break;
    if (n >= j->min_keys && now_sec() - t0 >= j->seconds) break;
  }
  w->secs = now_sec() - t0;
  w->keys = n;
  EVP_PKEY_CTX_free(ctx);
  return NULL;
}

/* ---- Node-API glue ---------------------------------------------------------------- */

#define CHECK(call)                                                 \
  do {                                                              \
    if ((call) != napi_ok) {                                        \
      napi_throw_error(env, NULL, "keygen_loop: " #call " failed"); \
      return NULL;                                                  \
    }                                                               \
  } while (0)

static int get_prop(napi_env env, napi_value obj, const char* name, napi_value* out) {
  bool has = false;
  if (napi_has_named_property(env, obj, name, &has) != napi_ok || !has) return 0;
  if (napi_get_named_property(env, obj, name, out) != napi_ok) return 0;
  napi_valuetype t;
  napi_typeof(env, *out, &t);
  return t != napi_undefined && t != napi_null;
}

static int get_str(napi_env env, napi_value obj, const char* name, char* buf, size_t cap) {
  napi_value v;
  size_t len = 0;
  buf[0] = '\0';
  if (!get_prop(env, obj, name, &v)) return 0;
  return napi_get_value_string_utf8(env, v, buf, cap, &len) == napi_ok;
}

static double get_num(napi_env env, napi_value obj, const char* name, double dflt) {
  napi_value v;
  double d = dflt;
  if (get_prop(env, obj, name, &v)) napi_get_value_double(env, v, &d);
  return d;
}

static napi_value make_num(napi_env env, double d) {
  napi_value v;
  napi_create_double(env, d, &v);
  return v;
}

/* run({ keytype, family, bits?, qbits?, group?, export?, threads?, seconds, minKeys?, maxKeys? }) */
static napi_value Run(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1) {
    napi_throw_type_error(env, NULL, "run(options)");
    return NULL;
  }
  job_t job;
  memset(&job, 0, sizeof job);
  char family[16];
  if (!get_str(env, argv[0], "keytype", job.keytype, sizeof job.keytype) ||
      !get_str(env, argv[0], "family", family, sizeof family)) {
    napi_throw_type_error(env, NULL, "keytype and family are required");
    return NULL;
  }
  if (strcmp(family, "RSA") == 0)
    job.family = F_RSA;
  else if (strcmp(family, "EC") == 0)
    job.family = F_EC;
  else if (strcmp(family, "OKP") == 0)
    job.family = F_OKP;
  else if (strcmp(family, "DH") == 0)
    job.family = F_FFC_DH;
  else if (strcmp(family, "DSA") == 0)
    job.family = F_FFC_DSA;
  else if (strcmp(family, "PQ") == 0)
    job.family = F_PQ;
  else {
    napi_throw_type_error(env, NULL, "family: RSA, EC, OKP, DH, DSA or PQ");
    return NULL;
  }
  get_str(env, argv[0], "group", job.group, sizeof job.group);
  char exp[16];
  get_str(env, argv[0], "export", exp, sizeof exp);
  job.do_export = strcmp(exp, "jwk") == 0;
  job.bits = (size_t)get_num(env, argv[0], "bits", 0);
  job.qbits = (size_t)get_num(env, argv[0], "qbits", 256);
  job.seconds = get_num(env, argv[0], "seconds", 1);
  job.min_keys = (long)get_num(env, argv[0], "minKeys", 1);
  job.max_keys = (long)get_num(env, argv[0], "maxKeys", 1e12);
  int threads = (int)get_num(env, argv[0], "threads", 1);
  if (threads < 1 || threads > 64) {
    napi_throw_range_error(env, NULL, "threads: 1..64");
    return NULL;
  }

  worker_t workers[64];
  pthread_t tids[64];
  gate_t start = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, threads};
  memset(workers, 0, sizeof workers);
  for (int i = 0; i < threads; ++i) {
    workers[i].job = &job;
    workers[i].start = &start;
  }
  int started = 0;
  for (; started < threads; ++started) {
    if (pthread_create(&tids[started], NULL, worker_main, &workers[started]) != 0) break;
  }
  if (started < threads) {
    /* let the started ones through the gate, then fail */
    pthread_mutex_lock(&start.mu);
    start.total = started;
    pthread_cond_broadcast(&start.cv);
    pthread_mutex_unlock(&start.mu);
    for (int i = 0; i < started; ++i) pthread_join(tids[i], NULL);
    napi_throw_error(env, NULL, "pthread_create failed");
    return NULL;
  }
  for (int i = 0; i < threads; ++i) pthread_join(tids[i], NULL);

  napi_value result, per;
  CHECK(napi_create_object(env, &result));
  CHECK(napi_create_array_with_length(env, (size_t)threads, &per));
  double keys = 0, wall = 0;
  for (int i = 0; i < threads; ++i) {
    if (workers[i].err[0] != '\0') {
      napi_throw_error(env, NULL, workers[i].err);
      return NULL;
    }
    keys += (double)workers[i].keys;
    if (workers[i].secs > wall) wall = workers[i].secs;
    napi_value t;
    CHECK(napi_create_object(env, &t));
    CHECK(napi_set_named_property(env, t, "keys", make_num(env, (double)workers[i].keys)));
    CHECK(napi_set_named_property(env, t, "seconds", make_num(env, workers[i].secs)));
    CHECK(napi_set_element(env, per, (uint32_t)i, t));
  }
  CHECK(napi_set_named_property(env, result, "keys", make_num(env, keys)));
  CHECK(napi_set_named_property(env, result, "seconds", make_num(env, wall)));
  CHECK(napi_set_named_property(env, result, "threads", per));
  return result;
}

static napi_value Version(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value v;
  const char* s = OpenSSL_version(OPENSSL_VERSION);
  CHECK(napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &v));
  return v;
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"run", NULL, Run, NULL, NULL, NULL, napi_enumerable, NULL},
      {"version", NULL, Version, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, 2, props) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
