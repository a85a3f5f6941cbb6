/*
 * High-resolution one-shot timer on absolute CLOCK_MONOTONIC deadlines.
 *
 * A timerfd armed with TFD_TIMER_ABSTIME is polled by uv_poll on Node's loop. The poll
 * runs only while the timer is armed, so an idle timer does not keep the process alive.
 * The kernel never reports expiry before the deadline; a stale readiness event after a
 * re-arm finds the counter at zero (read -> EAGAIN) and is ignored, so the callback
 * never runs early. monotonicNowNs/Ms read the same clock.
 */
#include "kv.h"

#include <errno.h>
#include <math.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

typedef struct {
  kv_handle h;
} kv_timer;

static const napi_type_tag timer_tag = {0x6b65707669707469ULL, 0x6d65726664000001ULL};

static void timer_readable(kv_handle *h, napi_value self, int status) {
  if (status < 0) {
    kv_handle_poll_stop(h);
    kv_handle_emit_error(h, self, "uv_poll", -status);
    return;
  }
  uint64_t expirations = 0;
  ssize_t n = read(h->fd, &expirations, sizeof expirations);
  if (n != (ssize_t)sizeof expirations) {
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      kv_handle_poll_stop(h);
      kv_handle_emit_error(h, self, "read(timerfd)", errno);
    }
    return; /* spurious: re-armed or disarmed after the event was queued */
  }
  kv_handle_poll_stop(h); /* one-shot: the callback may arm again */
  kv_handle_emit(h, self, "onFire", 0, NULL);
}

/* timerOpen(onFire, onError?) */
static napi_value timer_open(napi_env env, napi_callback_info info) {
  KV_ARGS(env, info, 2);
  if (kv_arg_function(env, argv[0], "onFire") < 0) return NULL;
  int has_err = !kv_is_nullish(env, argv[1]);
  if (has_err && kv_arg_function(env, argv[1], "onError") < 0) return NULL;
  kv_timer *t = (kv_timer *)kv_handle_alloc(env, sizeof *t);
  if (!t) return NULL;
  t->h.fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (t->h.fd < 0) {
    kv_throw_syscall(env, "timerfd_create", errno);
    kv_handle_abandon(&t->h);
    return NULL;
  }
  t->h.on_readable = timer_readable;
  napi_value obj = kv_handle_wrap(env, &t->h, &timer_tag, "keepvip.Timer");
  if (!obj) return NULL;
  if (napi_set_named_property(env, obj, "onFire", argv[0]) != napi_ok ||
      (has_err && napi_set_named_property(env, obj, "onError", argv[1]) != napi_ok)) {
    kv_handle_close(&t->h);
    return NULL;
  }
  return obj;
}

/* Deadline as bigint nanoseconds or number milliseconds (rounded up). */
static int deadline_ns(napi_env env, napi_value v, uint64_t *out) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok) return -1;
  if (t == napi_bigint) {
    bool lossless = false;
    int64_t ns;
    if (napi_get_value_bigint_int64(env, v, &ns, &lossless) != napi_ok || !lossless || ns < 0) {
      kv_throw_value(env, "deadline must be a non-negative 64-bit bigint of nanoseconds");
      return -1;
    }
    *out = (uint64_t)ns;
    return 0;
  }
  if (t == napi_number) {
    double ms;
    napi_get_value_double(env, v, &ms);
    if (!(ms >= 0) || ms > 9.2e12) {
      kv_throw_value(env, "deadline must be a non-negative number of milliseconds");
      return -1;
    }
    *out = (uint64_t)ceil(ms * 1e6);
    return 0;
  }
  kv_throw_type(env, "deadline must be a bigint (ns) or a number (ms)");
  return -1;
}

/* timerArm(timer, deadline): fire once when CLOCK_MONOTONIC reaches the deadline. */
static napi_value timer_arm(napi_env env, napi_callback_info info) {
  KV_ARGS(env, info, 2);
  kv_handle *h = kv_handle_unwrap(env, argv[0], &timer_tag, 1);
  if (!h) return NULL;
  uint64_t ns;
  if (deadline_ns(env, argv[1], &ns) < 0) return NULL;
  if (ns == 0) ns = 1; /* an all-zero it_value would disarm */
  struct itimerspec its = {.it_value = {.tv_sec = (time_t)(ns / 1000000000ULL), .tv_nsec = (long)(ns % 1000000000ULL)}};
  if (timerfd_settime(h->fd, TFD_TIMER_ABSTIME, &its, NULL) < 0) {
    kv_throw_syscall(env, "timerfd_settime", errno);
    return NULL;
  }
  if (kv_handle_poll_start(h) < 0) return NULL;
  return kv_undefined(env);
}

static napi_value timer_disarm(napi_env env, napi_callback_info info) {
  KV_ARGS(env, info, 1);
  kv_handle *h = kv_handle_unwrap(env, argv[0], &timer_tag, 1);
  if (!h) return NULL;
  struct itimerspec its = {0};
  if (timerfd_settime(h->fd, TFD_TIMER_ABSTIME, &its, NULL) < 0) {
    kv_throw_syscall(env, "timerfd_settime", errno);
    return NULL;
  }
  kv_handle_poll_stop(h);
  return kv_undefined(env);
}

static napi_value timer_close(napi_env env, napi_callback_info info) {
  KV_ARGS(env, info, 1);
  kv_handle *h = kv_handle_unwrap(env, argv[0], &timer_tag, 0);
  if (!h) return NULL;
  kv_handle_close(h);
  return kv_undefined(env);
}

static napi_value monotonic_now_ns(napi_env env, napi_callback_info info) {
  (void)info;
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  napi_value out;
  napi_create_bigint_uint64(env, (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec, &out);
  return out;
}

static napi_value monotonic_now_ms(napi_env env, napi_callback_info info) {
  (void)info;
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  napi_value out;
  napi_create_double(env, (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6, &out);
  return out;
}

napi_status kv_init_timer(napi_env env, napi_value exports) {
  KV_EXPORT(env, exports, "timerOpen", timer_open);
  KV_EXPORT(env, exports, "timerArm", timer_arm);
  KV_EXPORT(env, exports, "timerDisarm", timer_disarm);
  KV_EXPORT(env, exports, "timerClose", timer_close);
  KV_EXPORT(env, exports, "monotonicNowNs", monotonic_now_ns);
  KV_EXPORT(env, exports, "monotonicNowMs", monotonic_now_ms);
  return napi_ok;
}
