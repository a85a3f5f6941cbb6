/*
 * Interface helpers: name <-> index and the hardware (MAC) address.
 */
#include "kv.h"

#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* ifNameToIndex(name) -> index; throws ERR_SYSCALL (ENODEV) for an unknown name. */
static napi_value if_name_to_index(napi_env env, napi_callback_info info) {
  KV_ARGS(env, info, 1);
  char name[IF_NAMESIZE];
  if (kv_arg_string(env, argv[0], "ifname", name, sizeof name) < 0) return NULL;
  unsigned idx = if_nametoindex(name);
  if (idx == 0) {
    kv_throw_syscall(env, "if_nametoindex", errno ? errno : ENODEV);
    return NULL;
  }
  napi_value out;
  napi_create_uint32(env, idx, &out);
  return out;
}

/* ifIndexToName(index) -> name; throws ERR_SYSCALL (ENXIO) for an unknown index. */
static napi_value if_index_to_name(napi_env env, napi_callback_info info) {
  KV_ARGS(env, info, 1);
  int64_t idx;
  if (kv_arg_int(env, argv[0], "ifindex", 1, UINT32_MAX, &idx) < 0) return NULL;
  char name[IF_NAMESIZE];
  if (!if_indextoname((unsigned)idx, name)) {
    kv_throw_syscall(env, "if_indextoname", errno);
    return NULL;
  }
  napi_value out;
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &out);
  return out;
}

/* ifHwAddr(name) -> Buffer of 6 bytes (SIOCGIFHWADDR). */
static napi_value if_hw_addr(napi_env env, napi_callback_info info) {
  KV_ARGS(env, info, 1);
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  if (kv_arg_string(env, argv[0], "ifname", ifr.ifr_name, sizeof ifr.ifr_name) < 0) return NULL;
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    kv_throw_syscall(env, "socket", errno);
    return NULL;
  }
  int rc = ioctl(fd, SIOCGIFHWADDR, &ifr);
  int err = errno;
  close(fd);
  if (rc < 0) {
    kv_throw_syscall(env, "ioctl(SIOCGIFHWADDR)", err);
    return NULL;
  }
  napi_value out;
  void *copy;
  if (napi_create_buffer_copy(env, 6, ifr.ifr_hwaddr.sa_data, &copy, &out) != napi_ok) return NULL;
  return out;
}

napi_status kv_init_iface(napi_env env, napi_value exports) {
  KV_EXPORT(env, exports, "ifNameToIndex", if_name_to_index);
  KV_EXPORT(env, exports, "ifIndexToName", if_index_to_name);
  KV_EXPORT(env, exports, "ifHwAddr", if_hw_addr);
  return napi_ok;
}
