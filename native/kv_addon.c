/*
 * keepvip native addon entry point (Node-API, C, libuv). See native/README.md.
 */
#include "kv.h"

static napi_value init(napi_env env, napi_value exports) {
  if (!kv_instance_get(env)) {
    napi_throw_error(env, "ERR_NATIVE", "cannot set up addon instance data");
    return NULL;
  }
  if (kv_init_rawsock(env, exports) != napi_ok || kv_init_packet(env, exports) != napi_ok ||
      kv_init_timer(env, exports) != napi_ok || kv_init_sdnotify(env, exports) != napi_ok ||
      kv_init_iface(env, exports) != napi_ok) {
    napi_throw_error(env, "ERR_NATIVE", "cannot register addon functions");
    return NULL;
  }
  return exports;
}

NAPI_MODULE_INIT() { return init(env, exports); }
