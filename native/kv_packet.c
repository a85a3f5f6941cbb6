/*
 * AF_PACKET (SOCK_RAW) sender: puts a complete Ethernet frame, built in TypeScript, on
 * one interface. Used for gratuitous ARP (RFC 5227 §2.3 "Announcing an Address"; keepalived
 * sends an ARP request). The socket is opened with protocol 0, so it receives nothing.
 */
#include "kv.h"

#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct {
  kv_handle h;
  int ifindex;
} kv_packet;

static const napi_type_tag packet_tag = {0x6b657076697070ULL, 0x61636b65742d736bULL};

/* packetOpen(ifindex) */
static napi_value packet_open(napi_env env, napi_callback_info info) {
  KV_ARGS(env, info, 1);
  int64_t ifindex;
  if (kv_arg_int(env, argv[0], "ifindex", 1, INT32_MAX, &ifindex) < 0) return NULL;
  kv_packet *p = (kv_packet *)kv_handle_alloc(env, sizeof *p);
  if (!p) return NULL;
  p->ifindex = (int)ifindex;
  p->h.fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (p->h.fd < 0) {
    kv_throw_syscall(env, "socket(AF_PACKET)", errno);
    kv_handle_abandon(&p->h);
    return NULL;
  }
  struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_protocol = 0, .sll_ifindex = (int)ifindex};
  if (bind(p->h.fd, (struct sockaddr *)&sll, sizeof sll) < 0) {
    kv_throw_syscall(env, "bind(AF_PACKET)", errno);
    kv_handle_abandon(&p->h);
    return NULL;
  }
  return kv_handle_wrap(env, &p->h, &packet_tag, "keepvip.PacketSocket");
}

/* packetSend(sock, frame) -> bytes sent. The frame starts with the Ethernet header. */
static napi_value packet_send(napi_env env, napi_callback_info info) {
  KV_ARGS(env, info, 2);
  kv_packet *p = (kv_packet *)kv_handle_unwrap(env, argv[0], &packet_tag, 1);
  if (!p) return NULL;
  void *data;
  size_t len;
  if (kv_arg_bytes(env, argv[1], "frame", &data, &len) < 0) return NULL;
  if (len < ETH_HLEN) {
    kv_throw_value(env, "frame is shorter than an Ethernet header");
    return NULL;
  }
  const uint8_t *f = (const uint8_t *)data;
  struct sockaddr_ll to = {.sll_family = AF_PACKET, .sll_ifindex = p->ifindex, .sll_halen = ETH_ALEN};
  memcpy(&to.sll_protocol, f + 12, 2); /* EtherType, already in network order */
  memcpy(to.sll_addr, f, ETH_ALEN);
  ssize_t n;
  do n = sendto(p->h.fd, data, len, MSG_DONTWAIT, (struct sockaddr *)&to, sizeof to);
  while (n < 0 && errno == EINTR);
  if (n < 0) {
    kv_throw_syscall(env, "sendto(AF_PACKET)", errno);
    return NULL;
  }
  napi_value out;
  napi_create_int64(env, (int64_t)n, &out);
  return out;
}

static napi_value packet_close(napi_env env, napi_callback_info info) {
  KV_ARGS(env, info, 1);
  kv_handle *h = kv_handle_unwrap(env, argv[0], &packet_tag, 0);
  if (!h) return NULL;
  kv_handle_close(h);
  return kv_undefined(env);
}

napi_status kv_init_packet(napi_env env, napi_value exports) {
  KV_EXPORT(env, exports, "packetOpen", packet_open);
  KV_EXPORT(env, exports, "packetSend", packet_send);
  KV_EXPORT(env, exports, "packetClose", packet_close);
  return napi_ok;
}
