/*
 * Raw IP sockets (IPv4 and IPv6) for VRRP (IP protocol 112, RFC 3768 / RFC 9568) and
 * for ICMPv6 Neighbor Advertisements (RFC 4861 §7.2.6).
 *
 * Receiving uses recvmsg with ancillary data so every packet arrives with its source,
 * destination, receiving interface index and TTL / hop limit: RFC 9568 §7.1
 * ("Receiving VRRP Packets") has the receiver drop packets whose TTL / hop limit is not
 * 255, which needs the hop limit an IPv6 raw socket only reports through
 * IPV6_RECVHOPLIMIT. An IPv4 raw socket delivers the IP header with the data; it is
 * stripped here and the TTL taken from IP_RECVTTL (or the header).
 *
 * Readiness comes from uv_poll on Node's loop. Each readable event drains up to
 * KV_BATCH packets without blocking and calls onPacket(payload, src, dst, ifindex, ttl)
 * for each.
 */
#include "kv.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define KV_BATCH 64
#define KV_RECV_BUF 65536

typedef struct {
  kv_handle h;
  int family; /* 4 or 6 */
  int protocol;
  uint8_t buf[KV_RECV_BUF];
} kv_rawsock;

static const napi_type_tag rawsock_tag = {0x6b657076697072ULL, 0x7261772d736f636bULL};

static void rawsock_readable(kv_handle *h, napi_value self, int status);

/* ---- classic BPF programs (SO_ATTACH_FILTER) ---- */

/* RFC 3768 §5.3.1 / RFC 9568 §5.2.1 ("Version"): keep only version nibble 2 or 3.
 * An IPv4 raw socket filter sees the IP header first: skip it (BPF_MSH gives 4 * IHL). */
static struct sock_filter version_filter_v4[] = {
    BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0),
    BPF_STMT(BPF_LD | BPF_B | BPF_IND, 0),
    BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xf0),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x20, 1, 0),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x30, 0, 1),
    BPF_STMT(BPF_RET | BPF_K, 0xffffffff),
    BPF_STMT(BPF_RET | BPF_K, 0),
};
/* An IPv6 raw socket filter sees the payload first. */
static struct sock_filter version_filter_v6[] = {
    BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 0),
    BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xf0),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x20, 1, 0),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x30, 0, 1),
    BPF_STMT(BPF_RET | BPF_K, 0xffffffff),
    BPF_STMT(BPF_RET | BPF_K, 0),
};
/* Send-only sockets: drop everything so nothing queues unread. */
static struct sock_filter drop_all[] = {BPF_STMT(BPF_RET | BPF_K, 0)};

static int attach_filter(int fd, struct sock_filter *prog, size_t len) {
  struct sock_fprog fprog = {.len = (unsigned short)len, .filter = prog};
  return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fprog, sizeof fprog);
}

/* ---- helpers ---- */

static int set_int(napi_env env, int fd, int level, int opt, int value, const char *name) {
  if (setsockopt(fd, level, opt, &value, sizeof value) < 0) {
    kv_throw_syscall(env, name, errno);
    return -1;
  }
  return 0;
}

/* Reads an optional integer property; returns 1 when set, 0 when absent, -1 on error. */
static int opt_int(napi_env env, napi_value opts, const char *key, int64_t min, int64_t max, int64_t *out) {
  napi_value v;
  int has = kv_prop(env, opts, key, &v);
  if (has <= 0) return has;
  return kv_arg_int(env, v, key, min, max, out) < 0 ? -1 : 1;
}

static int opt_bool(napi_env env, napi_value opts, const char *key, bool *out) {
  napi_value v;
  int has = kv_prop(env, opts, key, &v);
  if (has <= 0) return has;
  if (napi_get_value_bool(env, v, out) != napi_ok) {
    kv_throw_type(env, "boolean option expected");
    return -1;
  }
  return 1;
}

static int parse_addr(napi_env env, napi_value v, int family, const char *name, void *out) {
  char text[INET6_ADDRSTRLEN + 1];
  if (kv_arg_string(env, v, name, text, sizeof text) < 0) return -1;
  if (inet_pton(family == 4 ? AF_INET : AF_INET6, text, out) != 1) {
    char msg[160];
    snprintf(msg, sizeof msg, "%s is not an IPv%d address: %s", name, family, text);
    kv_throw_value(env, msg);
    return -1;
  }
  return 0;
}

/* ---- open ---- */

/* rawOpen({family, protocol?, bindDevice?, ttl?, multicastTtl?, multicastLoop?,
 *          multicastIf?, recvBufSize?, checksumOffset?, versionFilter?, onPacket?, onError?}) */
static napi_value raw_open(napi_env env, napi_callback_info info) {
  KV_ARGS(env, info, 1);
  napi_valuetype t;
  if (napi_typeof(env, argv[0], &t) != napi_ok || t != napi_object) {
    kv_throw_type(env, "options must be an object");
    return NULL;
  }
  napi_value opts = argv[0], fam_v, on_packet = NULL, on_error = NULL, dev_v;
  int64_t family, protocol = 112, v;
  if (kv_prop(env, opts, "family", &fam_v) != 1) {
    kv_throw_type(env, "family is required");
    return NULL;
  }
  if (kv_arg_int(env, fam_v, "family", 4, 6, &family) < 0) return NULL;
  if (family != 4 && family != 6) {
    kv_throw_value(env, "family must be 4 or 6");
    return NULL;
  }
  if (opt_int(env, opts, "protocol", 1, 255, &protocol) < 0) return NULL;
  int has_cb = kv_prop(env, opts, "onPacket", &on_packet);
  if (has_cb < 0 || (has_cb && kv_arg_function(env, on_packet, "onPacket") < 0)) return NULL;
  int has_err = kv_prop(env, opts, "onError", &on_error);
  if (has_err < 0 || (has_err && kv_arg_function(env, on_error, "onError") < 0)) return NULL;

  kv_rawsock *s = (kv_rawsock *)kv_handle_alloc(env, sizeof *s);
  if (!s) return NULL;
  s->family = (int)family;
  s->protocol = (int)protocol;
  int af = family == 4 ? AF_INET : AF_INET6;
  int fd = socket(af, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, (int)protocol);
  if (fd < 0) {
    kv_throw_syscall(env, "socket", errno);
    kv_handle_abandon(&s->h);
    return NULL;
  }
  s->h.fd = fd;

  bool loop = false, vfilter = false;
  int has;
  if (!has_cb) {
    if (protocol == IPPROTO_ICMPV6 && family == 6) {
      struct icmp6_filter f;
      ICMP6_FILTER_SETBLOCKALL(&f);
      if (setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof f) < 0) {
        kv_throw_syscall(env, "setsockopt(ICMP6_FILTER)", errno);
        goto fail;
      }
    }
    if (attach_filter(fd, drop_all, 1) < 0) {
      kv_throw_syscall(env, "setsockopt(SO_ATTACH_FILTER)", errno);
      goto fail;
    }
  }
  if ((has = kv_prop(env, opts, "bindDevice", &dev_v)) < 0) goto fail;
  if (has) {
    char ifname[64];
    if (kv_arg_string(env, dev_v, "bindDevice", ifname, sizeof ifname) < 0) goto fail;
    if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname) + 1) < 0) {
      kv_throw_syscall(env, "setsockopt(SO_BINDTODEVICE)", errno);
      goto fail;
    }
  }
  if ((has = opt_int(env, opts, "recvBufSize", 1, INT32_MAX, &v)) < 0) goto fail;
  if (has && set_int(env, fd, SOL_SOCKET, SO_RCVBUF, (int)v, "setsockopt(SO_RCVBUF)") < 0) goto fail;
  if (opt_bool(env, opts, "multicastLoop", &loop) < 0) goto fail;
  if (opt_bool(env, opts, "versionFilter", &vfilter) < 0) goto fail;

  if (family == 4) {
    if ((has = opt_int(env, opts, "ttl", 1, 255, &v)) < 0) goto fail;
    if (has && set_int(env, fd, IPPROTO_IP, IP_TTL, (int)v, "setsockopt(IP_TTL)") < 0) goto fail;
    if ((has = opt_int(env, opts, "multicastTtl", 0, 255, &v)) < 0) goto fail;
    if (has && set_int(env, fd, IPPROTO_IP, IP_MULTICAST_TTL, (int)v, "setsockopt(IP_MULTICAST_TTL)") < 0) goto fail;
    if (set_int(env, fd, IPPROTO_IP, IP_MULTICAST_LOOP, loop, "setsockopt(IP_MULTICAST_LOOP)") < 0) goto fail;
    if ((has = opt_int(env, opts, "multicastIf", 1, INT32_MAX, &v)) < 0) goto fail;
    if (has) {
      struct ip_mreqn m = {.imr_ifindex = (int)v};
      if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &m, sizeof m) < 0) {
        kv_throw_syscall(env, "setsockopt(IP_MULTICAST_IF)", errno);
        goto fail;
      }
    }
    if (has_cb && (set_int(env, fd, IPPROTO_IP, IP_PKTINFO, 1, "setsockopt(IP_PKTINFO)") < 0 ||
                   set_int(env, fd, IPPROTO_IP, IP_RECVTTL, 1, "setsockopt(IP_RECVTTL)") < 0))
      goto fail;
  } else {
    if ((has = opt_int(env, opts, "ttl", 1, 255, &v)) < 0) goto fail;
    if (has && set_int(env, fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, (int)v, "setsockopt(IPV6_UNICAST_HOPS)") < 0) goto fail;
    if ((has = opt_int(env, opts, "multicastTtl", 0, 255, &v)) < 0) goto fail;
    if (has && set_int(env, fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, (int)v, "setsockopt(IPV6_MULTICAST_HOPS)") < 0)
      goto fail;
    if (set_int(env, fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, loop, "setsockopt(IPV6_MULTICAST_LOOP)") < 0) goto fail;
    if ((has = opt_int(env, opts, "multicastIf", 1, INT32_MAX, &v)) < 0) goto fail;
    if (has && set_int(env, fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, (int)v, "setsockopt(IPV6_MULTICAST_IF)") < 0) goto fail;
    /* RFC 9568 §5.2.8 ("Checksum"): over IPv6 the checksum covers the pseudo-header,
     * which the kernel fills in and verifies when told where the field is (offset 6). */
    if ((has = opt_int(env, opts, "checksumOffset", 0, 65534, &v)) < 0) goto fail;
    if (has && set_int(env, fd, IPPROTO_IPV6, IPV6_CHECKSUM, (int)v, "setsockopt(IPV6_CHECKSUM)") < 0) goto fail;
    if (has_cb && (set_int(env, fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1, "setsockopt(IPV6_RECVPKTINFO)") < 0 ||
                   set_int(env, fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1, "setsockopt(IPV6_RECVHOPLIMIT)") < 0))
      goto fail;
  }
  /* The kernel's receive time of each packet (SCM_TIMESTAMPNS), so a backup's
   * Master_Down_Timer runs from the advert's arrival rather than from when the event loop
   * got to it. Best effort: without it the caller's clock is used. */
  if (has_cb) {
    int on = 1;
    (void)setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
  }
  if (vfilter && has_cb) {
    int rc = family == 4 ? attach_filter(fd, version_filter_v4, sizeof version_filter_v4 / sizeof version_filter_v4[0])
                         : attach_filter(fd, version_filter_v6, sizeof version_filter_v6 / sizeof version_filter_v6[0]);
    if (rc < 0) {
      kv_throw_syscall(env, "setsockopt(SO_ATTACH_FILTER)", errno);
      goto fail;
    }
  }

  s->h.on_readable = rawsock_readable;
  napi_value obj = kv_handle_wrap(env, &s->h, &rawsock_tag, "keepvip.RawSocket");
  if (!obj) return NULL;
  if ((has_cb && napi_set_named_property(env, obj, "onPacket", on_packet) != napi_ok) ||
      (has_err && napi_set_named_property(env, obj, "onError", on_error) != napi_ok)) {
    kv_handle_close(&s->h);
    return NULL;
  }
  if (has_cb && kv_handle_poll_start(&s->h) < 0) {
    kv_handle_close(&s->h);
    return NULL;
  }
  return obj;
fail:
  kv_handle_abandon(&s->h);
  return NULL;
}

/* ---- receive ---- */

static void rawsock_readable(kv_handle *h, napi_value self, int status) {
  kv_rawsock *s = (kv_rawsock *)h;
  napi_env env = h->env;
  if (status < 0) {
    kv_handle_emit_error(h, self, "uv_poll", -status);
    return;
  }
  for (int i = 0; i < KV_BATCH && !h->closed; i++) {
    struct sockaddr_storage from;
    union {
      struct cmsghdr align;
      char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(struct timespec)) + 64];
    } ctrl;
    struct iovec iov = {.iov_base = s->buf, .iov_len = sizeof s->buf};
    struct msghdr msg = {.msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov, .msg_iovlen = 1,
                         .msg_control = ctrl.buf, .msg_controllen = sizeof ctrl.buf};
    ssize_t n = recvmsg(h->fd, &msg, MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) kv_handle_emit_error(h, self, "recvmsg", errno);
      return;
    }
    char src[INET6_ADDRSTRLEN] = "", dst[INET6_ADDRSTRLEN] = "";
    int ifindex = 0, ttl = -1;
    double rx_ms = -1; /* CLOCK_MONOTONIC ms of the kernel's receive time, or -1 */
    const uint8_t *payload = s->buf;
    size_t len = (size_t)n;
    if (s->family == 4) {
      if (len < 20) continue;
      size_t ihl = (size_t)(s->buf[0] & 0x0f) * 4;
      if (ihl < 20 || ihl > len) continue;
      ttl = s->buf[8];
      inet_ntop(AF_INET, s->buf + 12, src, sizeof src);
      inet_ntop(AF_INET, s->buf + 16, dst, sizeof dst);
      payload += ihl;
      len -= ihl;
    } else if (from.ss_family == AF_INET6) {
      inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&from)->sin6_addr, src, sizeof src);
    }
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
        struct in_pktinfo pi;
        memcpy(&pi, CMSG_DATA(c), sizeof pi);
        ifindex = pi.ipi_ifindex;
      } else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) {
        memcpy(&ttl, CMSG_DATA(c), sizeof ttl);
      } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
        struct in6_pktinfo pi;
        memcpy(&pi, CMSG_DATA(c), sizeof pi);
        ifindex = (int)pi.ipi6_ifindex;
        inet_ntop(AF_INET6, &pi.ipi6_addr, dst, sizeof dst);
      } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT) {
        memcpy(&ttl, CMSG_DATA(c), sizeof ttl);
      } else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
        /* The stamp is CLOCK_REALTIME: carry it over to CLOCK_MONOTONIC by its age now. */
        struct timespec rx, real, mono;
        memcpy(&rx, CMSG_DATA(c), sizeof rx);
        if (clock_gettime(CLOCK_REALTIME, &real) == 0 && clock_gettime(CLOCK_MONOTONIC, &mono) == 0) {
          double age_ms = (double)(real.tv_sec - rx.tv_sec) * 1e3 + (double)(real.tv_nsec - rx.tv_nsec) / 1e6;
          if (age_ms >= 0) rx_ms = (double)mono.tv_sec * 1e3 + (double)mono.tv_nsec / 1e6 - age_ms;
        }
      }
    }
    napi_handle_scope scope;
    if (napi_open_handle_scope(env, &scope) != napi_ok) return;
    napi_value args[6];
    void *copy;
    int ok = napi_create_buffer_copy(env, len, payload, &copy, &args[0]) == napi_ok &&
             napi_create_string_utf8(env, src, NAPI_AUTO_LENGTH, &args[1]) == napi_ok &&
             napi_create_string_utf8(env, dst, NAPI_AUTO_LENGTH, &args[2]) == napi_ok &&
             napi_create_int32(env, ifindex, &args[3]) == napi_ok && napi_create_int32(env, ttl, &args[4]) == napi_ok &&
             napi_create_double(env, rx_ms, &args[5]) == napi_ok;
    int open = ok ? kv_handle_emit(h, self, "onPacket", 6, args) == 0 : 1;
    napi_close_handle_scope(env, scope);
    if (!open) return;
  }
}

/* ---- membership, send, close ---- */

/* rawMembership(sock, join: boolean, group: string, ifindex: number) */
static napi_value raw_membership(napi_env env, napi_callback_info info) {
  KV_ARGS(env, info, 4);
  kv_rawsock *s = (kv_rawsock *)kv_handle_unwrap(env, argv[0], &rawsock_tag, 1);
  if (!s) return NULL;
  bool join = false;
  int64_t ifindex;
  if (napi_get_value_bool(env, argv[1], &join) != napi_ok) {
    kv_throw_type(env, "join must be a boolean");
    return NULL;
  }
  if (kv_arg_int(env, argv[3], "ifindex", 0, INT32_MAX, &ifindex) < 0) return NULL;
  if (s->family == 4) {
    struct ip_mreqn m = {.imr_ifindex = (int)ifindex};
    if (parse_addr(env, argv[2], 4, "group", &m.imr_multiaddr) < 0) return NULL;
    if (setsockopt(s->h.fd, IPPROTO_IP, join ? IP_ADD_MEMBERSHIP : IP_DROP_MEMBERSHIP, &m, sizeof m) < 0) {
      kv_throw_syscall(env, join ? "setsockopt(IP_ADD_MEMBERSHIP)" : "setsockopt(IP_DROP_MEMBERSHIP)", errno);
      return NULL;
    }
  } else {
    struct ipv6_mreq m = {.ipv6mr_interface = (unsigned)ifindex};
    if (parse_addr(env, argv[2], 6, "group", &m.ipv6mr_multiaddr) < 0) return NULL;
    if (setsockopt(s->h.fd, IPPROTO_IPV6, join ? IPV6_JOIN_GROUP : IPV6_LEAVE_GROUP, &m, sizeof m) < 0) {
      kv_throw_syscall(env, join ? "setsockopt(IPV6_JOIN_GROUP)" : "setsockopt(IPV6_LEAVE_GROUP)", errno);
      return NULL;
    }
  }
  return kv_undefined(env);
}

/* rawSend(sock, payload, dst, src?: string|null, ifindex?: number) -> bytes sent.
 * The source (and outgoing interface) travel as IP_PKTINFO / IPV6_PKTINFO ancillary
 * data, so a link-local IPv6 source or a VIP-independent IPv4 source can be chosen per
 * packet without binding the socket (a bound raw socket would stop receiving multicast). */
static napi_value raw_send(napi_env env, napi_callback_info info) {
  KV_ARGS(env, info, 5);
  kv_rawsock *s = (kv_rawsock *)kv_handle_unwrap(env, argv[0], &rawsock_tag, 1);
  if (!s) return NULL;
  void *data;
  size_t len;
  int64_t ifindex = 0;
  if (kv_arg_bytes(env, argv[1], "payload", &data, &len) < 0) return NULL;
  if (!kv_is_nullish(env, argv[4]) && kv_arg_int(env, argv[4], "ifindex", 0, INT32_MAX, &ifindex) < 0) return NULL;
  int has_src = !kv_is_nullish(env, argv[3]);

  union {
    struct sockaddr_in v4;
    struct sockaddr_in6 v6;
  } to;
  memset(&to, 0, sizeof to);
  union {
    struct cmsghdr align;
    char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
  } ctrl;
  memset(&ctrl, 0, sizeof ctrl);
  struct iovec iov = {.iov_base = data, .iov_len = len};
  struct msghdr msg = {.msg_name = &to, .msg_iov = &iov, .msg_iovlen = 1};
  int want_ctrl = has_src || ifindex > 0;
  if (want_ctrl) {
    msg.msg_control = ctrl.buf;
    msg.msg_controllen = sizeof ctrl.buf;
  }
  struct cmsghdr *c = want_ctrl ? CMSG_FIRSTHDR(&msg) : NULL;
  if (s->family == 4) {
    to.v4.sin_family = AF_INET;
    msg.msg_namelen = sizeof to.v4;
    if (parse_addr(env, argv[2], 4, "dst", &to.v4.sin_addr) < 0) return NULL;
    if (c) {
      struct in_pktinfo pi = {.ipi_ifindex = (int)ifindex};
      if (has_src && parse_addr(env, argv[3], 4, "src", &pi.ipi_spec_dst) < 0) return NULL;
      c->cmsg_level = IPPROTO_IP;
      c->cmsg_type = IP_PKTINFO;
      c->cmsg_len = CMSG_LEN(sizeof pi);
      memcpy(CMSG_DATA(c), &pi, sizeof pi);
      msg.msg_controllen = CMSG_SPACE(sizeof pi);
    }
  } else {
    to.v6.sin6_family = AF_INET6;
    to.v6.sin6_scope_id = (uint32_t)ifindex; /* used by the kernel only for scoped destinations */
    msg.msg_namelen = sizeof to.v6;
    if (parse_addr(env, argv[2], 6, "dst", &to.v6.sin6_addr) < 0) return NULL;
    if (c) {
      struct in6_pktinfo pi = {.ipi6_ifindex = (unsigned)ifindex};
      if (has_src && parse_addr(env, argv[3], 6, "src", &pi.ipi6_addr) < 0) return NULL;
      c->cmsg_level = IPPROTO_IPV6;
      c->cmsg_type = IPV6_PKTINFO;
      c->cmsg_len = CMSG_LEN(sizeof pi);
      memcpy(CMSG_DATA(c), &pi, sizeof pi);
      msg.msg_controllen = CMSG_SPACE(sizeof pi);
    }
  }
  ssize_t n;
  do n = sendmsg(s->h.fd, &msg, MSG_DONTWAIT);
  while (n < 0 && errno == EINTR);
  if (n < 0) {
    kv_throw_syscall(env, "sendmsg", errno);
    return NULL;
  }
  napi_value out;
  napi_create_int64(env, (int64_t)n, &out);
  return out;
}

static napi_value raw_close(napi_env env, napi_callback_info info) {
  KV_ARGS(env, info, 1);
  kv_handle *h = kv_handle_unwrap(env, argv[0], &rawsock_tag, 0);
  if (!h) return NULL;
  kv_handle_close(h);
  return kv_undefined(env);
}

napi_status kv_init_rawsock(napi_env env, napi_value exports) {
  KV_EXPORT(env, exports, "rawOpen", raw_open);
  KV_EXPORT(env, exports, "rawMembership", raw_membership);
  KV_EXPORT(env, exports, "rawSend", raw_send);
  KV_EXPORT(env, exports, "rawClose", raw_close);
  return napi_ok;
}
