{
  "targets": [
    {
      "target_name": "keepvip",
      "sources": [
        "native/kv_addon.c",
        "native/kv_handle.c",
        "native/kv_util.c",
        "native/kv_rawsock.c",
        "native/kv_packet.c",
        "native/kv_timer.c",
        "native/kv_sdnotify.c",
        "native/kv_iface.c"
      ],
      "defines": ["NAPI_VERSION=8", "_GNU_SOURCE"],
      "cflags_c": ["-std=gnu11", "-Wall", "-Wextra", "-Wno-unused-parameter", "-fvisibility=hidden"],
      "libraries": ["-lm"]
    }
  ]
}
