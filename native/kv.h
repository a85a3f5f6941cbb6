/*
 * keepvip native addon: shared declarations.
 *
 * Every object the addon hands to JavaScript (raw socket, packet socket, timer) is a
 * plain JS object wrapped around a kv_handle. A handle owns one file descriptor and,
 * when it needs to read, one uv_poll_t on Node's own loop. Protocol logic lives in
 * TypeScript; this code only moves bytes and ancillary data.
 */
#ifndef KV_H
#define KV_H

#ifndef NAPI_VERSION
#define NAPI_VERSION 8
#endif
#include <node_api.h>
#include <uv.h>
#include <stddef.h>
#include <stdint.h>

typedef struct kv_instance kv_instance;
typedef struct kv_handle kv_handle;

/* Called on the loop thread when the descriptor is readable (or the poll failed:
 * status < 0). `self` is the JS object, alive for the duration of the call. */
typedef void (*kv_readable_fn)(kv_handle *h, napi_value self, int status);
/* Frees kind-specific resources; called once, just before the handle is freed. */
typedef void (*kv_dispose_fn)(kv_handle *h);

struct kv_handle {
  kv_instance *inst;
  kv_handle *prev, *next; /* live handles of this instance (env teardown) */
  napi_env env;
  napi_ref self;          /* weak; strong (count 1) while polling */
  napi_async_context async;
  int fd;
  uv_poll_t poll;
  unsigned uv_alive : 1;  /* poll initialised and its close callback not yet run */
  unsigned polling : 1;
  unsigned closed : 1;    /* close() requested: no more JS calls, fd closing */
  unsigned js_gone : 1;   /* the JS object was finalised */
  kv_readable_fn on_readable;
  kv_dispose_fn dispose;
};

struct kv_instance {
  kv_handle *head;
  int refs;               /* 1 for the env + 1 per live handle */
  int tearing_down;
};

/* ---- errors (kv_util.c) ---- */
/* Throws Error{code:'ERR_SYSCALL', syscall, errno, errnoName}. `err` is a positive errno. */
void kv_throw_syscall(napi_env env, const char *syscall, int err);
napi_value kv_make_syscall_error(napi_env env, const char *syscall, int err);
void kv_throw_type(napi_env env, const char *what);
void kv_throw_value(napi_env env, const char *what);
void kv_throw_closed(napi_env env);

/* ---- argument helpers (kv_util.c); each returns 0 on success, -1 after throwing ---- */
int kv_arg_int(napi_env env, napi_value v, const char *name, int64_t min, int64_t max, int64_t *out);
int kv_arg_string(napi_env env, napi_value v, const char *name, char *buf, size_t len);
int kv_arg_bytes(napi_env env, napi_value v, const char *name, void **data, size_t *len);
int kv_arg_function(napi_env env, napi_value v, const char *name);
/* Optional object property: returns 1 when present (not undefined/null), 0 when absent, -1 on error. */
int kv_prop(napi_env env, napi_value obj, const char *key, napi_value *out);
int kv_is_nullish(napi_env env, napi_value v);
napi_value kv_undefined(napi_env env);

/* ---- handles (kv_handle.c) ---- */
kv_instance *kv_instance_get(napi_env env);
/* Allocates `size` bytes (>= sizeof(kv_handle), zeroed), links it, fd = -1. */
kv_handle *kv_handle_alloc(napi_env env, size_t size);
/* Creates the JS object, wraps and tags it. On failure the handle (and fd) is released. */
napi_value kv_handle_wrap(napi_env env, kv_handle *h, const napi_type_tag *tag, const char *name);
/* Frees a handle that was never wrapped (open failed); closes its fd. */
void kv_handle_abandon(kv_handle *h);
/* Returns the handle behind `v` if it carries `tag`, else throws and returns NULL.
 * With `open` set, also throws ERR_HANDLE_CLOSED for a closed handle. */
kv_handle *kv_handle_unwrap(napi_env env, napi_value v, const napi_type_tag *tag, int open);
int kv_handle_poll_start(kv_handle *h);
void kv_handle_poll_stop(kv_handle *h);
void kv_handle_close(kv_handle *h);
/* Calls self[key](...argv) through napi_make_callback. Uncaught exceptions are reported
 * with napi_fatal_exception. Returns 0 when the handle is still open afterwards. */
int kv_handle_emit(kv_handle *h, napi_value self, const char *key, size_t argc, napi_value *argv);
/* Reports a syscall failure to self.onError, or as an uncaught exception without one. */
void kv_handle_emit_error(kv_handle *h, napi_value self, const char *syscall, int err);

/* ---- module parts: each adds its functions to exports ---- */
napi_status kv_init_rawsock(napi_env env, napi_value exports);
napi_status kv_init_packet(napi_env env, napi_value exports);
napi_status kv_init_timer(napi_env env, napi_value exports);
napi_status kv_init_sdnotify(napi_env env, napi_value exports);
napi_status kv_init_iface(napi_env env, napi_value exports);

#define KV_EXPORT(env, exports, name, fn)                                              \
  do {                                                                                 \
    napi_value f_;                                                                     \
    napi_status s_ = napi_create_function((env), (name), NAPI_AUTO_LENGTH, (fn), NULL, &f_); \
    if (s_ != napi_ok) return s_;                                                      \
    s_ = napi_set_named_property((env), (exports), (name), f_);                        \
    if (s_ != napi_ok) return s_;                                                      \
  } while (0)

/* Fetches up to N arguments into argv (missing ones are undefined). */
#define KV_ARGS(env, info, N)                                                          \
  size_t argc = (N);                                                                   \
  napi_value argv[(N) > 0 ? (N) : 1];                                                  \
  if (napi_get_cb_info((env), (info), &argc, argv, NULL, NULL) != napi_ok) return NULL; \
  for (size_t i_ = argc; i_ < (N); i_++) argv[i_] = kv_undefined(env)

#endif
