/*
 * Handle lifetime: one file descriptor, optionally polled with uv_poll on Node's loop.
 *
 * Ownership. A handle is freed exactly once, when both are true:
 *   - the JS object is gone (finalizer ran), and
 *   - the uv_poll_t is not alive (never initialised, or its uv_close callback ran).
 * close() stops the poll and calls uv_close; the fd is closed in the close callback,
 * after libuv has forgotten it. While polling, the handle keeps a strong reference to
 * its JS object, so an active socket or armed timer is never collected; when it stops
 * polling the reference becomes weak again and an unclosed handle is cleaned up by the
 * finalizer. At environment teardown (worker exit) a cleanup hook closes every live
 * poll so the loop can be closed.
 */
#include "kv.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

static void instance_release(kv_instance *inst) {
  if (--inst->refs == 0) free(inst);
}

static void env_cleanup(void *arg);

static void instance_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  instance_release((kv_instance *)data);
}

kv_instance *kv_instance_get(napi_env env) {
  void *data = NULL;
  if (napi_get_instance_data(env, &data) == napi_ok && data) return (kv_instance *)data;
  kv_instance *inst = calloc(1, sizeof *inst);
  if (!inst) return NULL;
  inst->refs = 1;
  if (napi_set_instance_data(env, inst, instance_finalize, NULL) != napi_ok) {
    free(inst);
    return NULL;
  }
  napi_add_env_cleanup_hook(env, env_cleanup, inst);
  return inst;
}

static void handle_free(kv_handle *h) {
  kv_instance *inst = h->inst;
  if (h->dispose) h->dispose(h);
  if (h->prev) h->prev->next = h->next;
  else inst->head = h->next;
  if (h->next) h->next->prev = h->prev;
  free(h);
  instance_release(inst);
}

static void maybe_free(kv_handle *h) {
  if (h->js_gone && !h->uv_alive) handle_free(h);
}

static void on_uv_closed(uv_handle_t *uvh) {
  kv_handle *h = (kv_handle *)uvh->data;
  h->uv_alive = 0;
  if (h->fd >= 0) {
    close(h->fd);
    h->fd = -1;
  }
  maybe_free(h);
}

/* Stops reading and releases the descriptor; touches no JavaScript. */
static void shutdown_io(kv_handle *h) {
  h->closed = 1;
  h->polling = 0;
  if (h->uv_alive) {
    if (!uv_is_closing((uv_handle_t *)&h->poll)) {
      uv_poll_stop(&h->poll);
      uv_close((uv_handle_t *)&h->poll, on_uv_closed);
    }
  } else if (h->fd >= 0) {
    close(h->fd);
    h->fd = -1;
  }
}

static void env_cleanup(void *arg) {
  kv_instance *inst = (kv_instance *)arg;
  inst->tearing_down = 1;
  for (kv_handle *h = inst->head; h; h = h->next) shutdown_io(h);
}

kv_handle *kv_handle_alloc(napi_env env, size_t size) {
  kv_instance *inst = kv_instance_get(env);
  if (!inst) {
    napi_throw_error(env, "ERR_NATIVE", "addon instance data unavailable");
    return NULL;
  }
  kv_handle *h = calloc(1, size);
  if (!h) {
    kv_throw_syscall(env, "calloc", ENOMEM);
    return NULL;
  }
  h->inst = inst;
  h->env = env;
  h->fd = -1;
  h->next = inst->head;
  if (inst->head) inst->head->prev = h;
  inst->head = h;
  inst->refs++;
  return h;
}

void kv_handle_abandon(kv_handle *h) {
  shutdown_io(h);
  h->js_gone = 1;
  maybe_free(h);
}

static void release_js(kv_handle *h) {
  if (h->inst->tearing_down) return; /* the env reclaims what is left */
  if (h->async) {
    napi_async_destroy(h->env, h->async);
    h->async = NULL;
  }
}

static void handle_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  kv_handle *h = (kv_handle *)data;
  release_js(h);
  if (h->self && !h->inst->tearing_down) napi_delete_reference(h->env, h->self);
  h->self = NULL;
  h->js_gone = 1;
  shutdown_io(h);
  maybe_free(h);
}

napi_value kv_handle_wrap(napi_env env, kv_handle *h, const napi_type_tag *tag, const char *name) {
  napi_value obj, resource_name;
  if (napi_create_object(env, &obj) != napi_ok) goto fail;
  if (napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &resource_name) != napi_ok) goto fail;
  if (napi_async_init(env, NULL, resource_name, &h->async) != napi_ok) goto fail;
  if (napi_wrap(env, obj, h, handle_finalize, NULL, NULL) != napi_ok) {
    napi_async_destroy(env, h->async);
    h->async = NULL;
    goto fail;
  }
  /* From here on the finalizer owns the handle. */
  if (napi_type_tag_object(env, obj, tag) != napi_ok || napi_create_reference(env, obj, 0, &h->self) != napi_ok) {
    kv_handle_close(h);
    napi_throw_error(env, "ERR_NATIVE", "cannot wrap handle");
    return NULL;
  }
  return obj;
fail:
  kv_handle_abandon(h);
  napi_throw_error(env, "ERR_NATIVE", "cannot create handle object");
  return NULL;
}

kv_handle *kv_handle_unwrap(napi_env env, napi_value v, const napi_type_tag *tag, int open) {
  napi_valuetype t;
  bool ok = false;
  void *data = NULL;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_object || napi_check_object_type_tag(env, v, tag, &ok) != napi_ok ||
      !ok || napi_unwrap(env, v, &data) != napi_ok || !data) {
    kv_throw_type(env, "not a handle of the expected kind");
    return NULL;
  }
  kv_handle *h = (kv_handle *)data;
  if (open && h->closed) {
    kv_throw_closed(env);
    return NULL;
  }
  return h;
}

static void on_poll(uv_poll_t *p, int status, int events) {
  (void)events;
  kv_handle *h = (kv_handle *)p->data;
  if (h->closed || !h->polling) return;
  napi_handle_scope scope;
  if (napi_open_handle_scope(h->env, &scope) != napi_ok) return;
  napi_value self = NULL;
  if (napi_get_reference_value(h->env, h->self, &self) == napi_ok && self) h->on_readable(h, self, status);
  napi_close_handle_scope(h->env, scope);
}

int kv_handle_poll_start(kv_handle *h) {
  napi_env env = h->env;
  int rc;
  if (h->closed) {
    kv_throw_closed(env);
    return -1;
  }
  if (!h->uv_alive) {
    uv_loop_t *loop = NULL;
    if (napi_get_uv_event_loop(env, &loop) != napi_ok || !loop) {
      napi_throw_error(env, "ERR_NATIVE", "no event loop");
      return -1;
    }
    rc = uv_poll_init(loop, &h->poll, h->fd);
    if (rc < 0) {
      kv_throw_syscall(env, "uv_poll_init", -rc);
      return -1;
    }
    h->poll.data = h;
    h->uv_alive = 1;
  }
  if (h->polling) return 0;
  rc = uv_poll_start(&h->poll, UV_READABLE, on_poll);
  if (rc < 0) {
    kv_throw_syscall(env, "uv_poll_start", -rc);
    return -1;
  }
  h->polling = 1;
  uint32_t count = 0;
  napi_reference_ref(env, h->self, &count);
  return 0;
}

void kv_handle_poll_stop(kv_handle *h) {
  if (!h->polling) return;
  h->polling = 0;
  if (h->uv_alive) uv_poll_stop(&h->poll);
  uint32_t count = 0;
  if (!h->inst->tearing_down) napi_reference_unref(h->env, h->self, &count);
}

void kv_handle_close(kv_handle *h) {
  if (h->closed) return;
  kv_handle_poll_stop(h);
  /* The async context is destroyed by the finalizer: close() may run inside a
   * napi_make_callback that still uses it. */
  shutdown_io(h);
}

int kv_handle_emit(kv_handle *h, napi_value self, const char *key, size_t argc, napi_value *argv) {
  napi_env env = h->env;
  napi_value fn, result;
  napi_valuetype t;
  if (h->closed) return -1;
  if (napi_get_named_property(env, self, key, &fn) != napi_ok || napi_typeof(env, fn, &t) != napi_ok ||
      t != napi_function)
    return h->closed ? -1 : 0;
  napi_status s = napi_make_callback(env, h->async, self, fn, argc, argv, &result);
  if (s == napi_pending_exception) {
    napi_value exc;
    if (napi_get_and_clear_last_exception(env, &exc) == napi_ok) napi_fatal_exception(env, exc);
  }
  return h->closed ? -1 : 0;
}

void kv_handle_emit_error(kv_handle *h, napi_value self, const char *syscall, int err) {
  napi_env env = h->env;
  napi_value error = kv_make_syscall_error(env, syscall, err);
  if (!error) return;
  napi_value fn;
  napi_valuetype t = napi_undefined;
  if (napi_get_named_property(env, self, "onError", &fn) == napi_ok) napi_typeof(env, fn, &t);
  if (t == napi_function) kv_handle_emit(h, self, "onError", 1, &error);
  else napi_fatal_exception(env, error);
}
