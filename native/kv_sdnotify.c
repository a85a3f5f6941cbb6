/*
 * sd_notify(3) without libsystemd: one datagram to the AF_UNIX socket named by
 * $NOTIFY_SOCKET (a path, or an abstract name written with a leading '@').
 */
#include "kv.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* sdNotify(socketName, state) -> bytes sent */
static napi_value sd_notify(napi_env env, napi_callback_info info) {
  KV_ARGS(env, info, 2);
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  char name[sizeof addr.sun_path + 1];
  if (kv_arg_string(env, argv[0], "socket", name, sizeof name) < 0) return NULL;
  size_t nlen = strlen(name);
  if (nlen < 2 || (name[0] != '/' && name[0] != '@')) {
    kv_throw_value(env, "socket must be an absolute path or an abstract name starting with '@'");
    return NULL;
  }
  memcpy(addr.sun_path, name, nlen);
  if (name[0] == '@') addr.sun_path[0] = '\0';
  /* A path is NUL-terminated when room allows; an abstract name is exactly nlen bytes. */
  socklen_t alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + nlen + (name[0] == '/' && nlen < sizeof addr.sun_path));

  void *state;
  size_t slen;
  char *text = NULL;
  napi_valuetype t;
  if (napi_typeof(env, argv[1], &t) != napi_ok || t != napi_string) {
    kv_throw_type(env, "state must be a string");
    return NULL;
  }
  napi_get_value_string_utf8(env, argv[1], NULL, 0, &slen);
  napi_value buf;
  if (napi_create_buffer(env, slen + 1, &state, &buf) != napi_ok) return NULL;
  text = (char *)state;
  napi_get_value_string_utf8(env, argv[1], text, slen + 1, &slen);

  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    kv_throw_syscall(env, "socket(AF_UNIX)", errno);
    return NULL;
  }
  ssize_t n;
  do n = sendto(fd, text, slen, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&addr, alen);
  while (n < 0 && errno == EINTR);
  int err = errno;
  close(fd);
  if (n < 0) {
    kv_throw_syscall(env, "sendto(NOTIFY_SOCKET)", err);
    return NULL;
  }
  napi_value out;
  napi_create_int64(env, (int64_t)n, &out);
  return out;
}

napi_status kv_init_sdnotify(napi_env env, napi_value exports) {
  KV_EXPORT(env, exports, "sdNotify", sd_notify);
  return napi_ok;
}
