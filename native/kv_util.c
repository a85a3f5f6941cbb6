/*
 * Error objects and argument checks shared by every part of the addon.
 *
 * Syscall failures become Error objects with a stable `code` ('ERR_SYSCALL') and the
 * fields `syscall`, `errno` and `errnoName`; the names come from libuv, which Node
 * already links (on Unix a libuv error code is the negated errno).
 */
#include "kv.h"

#include <stdio.h>
#include <string.h>

napi_value kv_undefined(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

static void set_str(napi_env env, napi_value obj, const char *key, const char *val) {
  napi_value v;
  if (napi_create_string_utf8(env, val, NAPI_AUTO_LENGTH, &v) == napi_ok) napi_set_named_property(env, obj, key, v);
}

napi_value kv_make_syscall_error(napi_env env, const char *syscall, int err) {
  char name[64], desc[128], msg[384];
  uv_err_name_r(-err, name, sizeof name);
  uv_strerror_r(-err, desc, sizeof desc);
  snprintf(msg, sizeof msg, "%s failed: %s (%s)", syscall, desc, name);
  napi_value code, text, error, num;
  if (napi_create_string_utf8(env, "ERR_SYSCALL", NAPI_AUTO_LENGTH, &code) != napi_ok) return NULL;
  if (napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &text) != napi_ok) return NULL;
  if (napi_create_error(env, code, text, &error) != napi_ok) return NULL;
  set_str(env, error, "syscall", syscall);
  set_str(env, error, "errnoName", name);
  if (napi_create_int32(env, err, &num) == napi_ok) napi_set_named_property(env, error, "errno", num);
  return error;
}

void kv_throw_syscall(napi_env env, const char *syscall, int err) {
  napi_value error = kv_make_syscall_error(env, syscall, err);
  if (error) napi_throw(env, error);
  else napi_throw_error(env, "ERR_SYSCALL", syscall);
}

void kv_throw_type(napi_env env, const char *what) {
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", what);
}

void kv_throw_value(napi_env env, const char *what) {
  napi_throw_range_error(env, "ERR_INVALID_ARG_VALUE", what);
}

void kv_throw_closed(napi_env env) {
  napi_throw_error(env, "ERR_HANDLE_CLOSED", "the handle is closed");
}

int kv_is_nullish(napi_env env, napi_value v) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok) return 1;
  return t == napi_undefined || t == napi_null;
}

int kv_arg_int(napi_env env, napi_value v, const char *name, int64_t min, int64_t max, int64_t *out) {
  char msg[160];
  napi_valuetype t;
  double d;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_number || napi_get_value_double(env, v, &d) != napi_ok) {
    snprintf(msg, sizeof msg, "%s must be a number", name);
    kv_throw_type(env, msg);
    return -1;
  }
  if (d != d || d < (double)min || d > (double)max || d != (double)(int64_t)d) {
    snprintf(msg, sizeof msg, "%s must be an integer in %lld..%lld", name, (long long)min, (long long)max);
    kv_throw_value(env, msg);
    return -1;
  }
  *out = (int64_t)d;
  return 0;
}

int kv_arg_string(napi_env env, napi_value v, const char *name, char *buf, size_t len) {
  char msg[160];
  napi_valuetype t;
  size_t n = 0;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_string) {
    snprintf(msg, sizeof msg, "%s must be a string", name);
    kv_throw_type(env, msg);
    return -1;
  }
  if (napi_get_value_string_utf8(env, v, NULL, 0, &n) != napi_ok || n >= len) {
    snprintf(msg, sizeof msg, "%s is too long (at most %zu bytes)", name, len - 1);
    kv_throw_value(env, msg);
    return -1;
  }
  napi_get_value_string_utf8(env, v, buf, len, &n);
  if (strlen(buf) != n) {
    snprintf(msg, sizeof msg, "%s must not contain NUL characters", name);
    kv_throw_value(env, msg);
    return -1;
  }
  return 0;
}

int kv_arg_bytes(napi_env env, napi_value v, const char *name, void **data, size_t *len) {
  char msg[160];
  bool is_view = false;
  if (napi_is_buffer(env, v, &is_view) != napi_ok || !is_view || napi_get_buffer_info(env, v, data, len) != napi_ok) {
    snprintf(msg, sizeof msg, "%s must be a Buffer or Uint8Array", name);
    kv_throw_type(env, msg);
    return -1;
  }
  return 0;
}

int kv_arg_function(napi_env env, napi_value v, const char *name) {
  char msg[160];
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_function) {
    snprintf(msg, sizeof msg, "%s must be a function", name);
    kv_throw_type(env, msg);
    return -1;
  }
  return 0;
}

int kv_prop(napi_env env, napi_value obj, const char *key, napi_value *out) {
  bool has = false;
  if (napi_has_named_property(env, obj, key, &has) != napi_ok) return -1;
  if (!has) return 0;
  if (napi_get_named_property(env, obj, key, out) != napi_ok) return -1;
  return kv_is_nullish(env, *out) ? 0 : 1;
}
