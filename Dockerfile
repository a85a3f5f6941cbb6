# syntax=docker/dockerfile:1
#
# keepvip container image. VRRP needs the host's network, raw sockets and address
# management, so run it as:
#
#   docker run -d --name keepvip --network host \
#     --cap-add NET_ADMIN --cap-add NET_RAW \
#     -v /etc/keepalived/keepalived.conf:/etc/keepalived/keepalived.conf:ro \
#     keepvip
#
# --network host: adverts, gratuitous ARP and the VIPs live on the host's interfaces.
# NET_RAW: raw IPPROTO_VRRP and AF_PACKET sockets. NET_ADMIN: adding/removing VIPs over
# netlink and writing net.ipv4.ip_forward (docs/operations.md, "Containers").
# Logs are JSON lines on stdout (no -l), for `docker logs` and log shippers.

# ---- builder: the same steps as scripts/build-runtime.sh, which it runs -------------
FROM node:20-bookworm AS builder
# node-gyp builds the native addon: python3, make and g++ (already in this image; listed
# so the requirement is explicit), against the image's own Node headers.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
ENV npm_config_nodedir=/usr/local
WORKDIR /src
COPY . .
RUN bash scripts/build-runtime.sh /opt/keepvip

# ---- runtime: Node, the built tree, nothing else ---------------------------------------
FROM node:20-bookworm-slim
COPY --from=builder /opt/keepvip /opt/keepvip
RUN ln -s /opt/keepvip/bin/keepvip.js /usr/bin/keepvip \
 && mkdir -p /etc/keepalived /run/keepvip \
 && chmod 0700 /run/keepvip
# Mount your configuration at /etc/keepalived/keepalived.conf (a ConfigMap in
# Kubernetes: docs/kubernetes/).
# SIGTERM makes masters send a priority-0 advert and remove their VIPs before exiting.
STOPSIGNAL SIGTERM
# keepvip status exits 0 when the daemon answers on its control socket, 1 when not.
HEALTHCHECK --interval=15s --timeout=5s --start-period=10s --retries=3 CMD ["keepvip", "status"]
ENTRYPOINT ["keepvip", "-n"]
CMD ["-f", "/etc/keepalived/keepalived.conf"]
