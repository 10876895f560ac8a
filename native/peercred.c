/*
 * peer_cred(fd) -> { pid, uid, gid }: the credentials the kernel recorded for the
 * other end of a connected Unix socket (SO_PEERCRED on Linux, getpeereid elsewhere).
 * Node has no API for this; the gate's control channel needs it to know which user
 * asks for a token. The kernel fills these in at connect(2) time; the peer cannot
 * forge them. Returns null where the platform has no such call or the call fails.
 */
#define _GNU_SOURCE
#include <node_api.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <unistd.h>

static napi_value make_int(napi_env env, int64_t v) {
  napi_value out;
  napi_create_int64(env, v, &out);
  return out;
}

static napi_value peer_cred(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_value result;
  int32_t fd = -1;
  napi_get_null(env, &result);
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1) return result;
  if (napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) return result;
#if defined(SO_PEERCRED)
  struct ucred cred;
  socklen_t len = sizeof(cred);
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || len != sizeof(cred)) return result;
  napi_create_object(env, &result);
  napi_set_named_property(env, result, "pid", make_int(env, cred.pid));
  napi_set_named_property(env, result, "uid", make_int(env, cred.uid));
  napi_set_named_property(env, result, "gid", make_int(env, cred.gid));
#elif defined(__APPLE__) || defined(__FreeBSD__) || defined(__OpenBSD__) || defined(__NetBSD__)
  uid_t uid;
  gid_t gid;
  if (getpeereid(fd, &uid, &gid) != 0) return result;
  napi_create_object(env, &result);
  napi_set_named_property(env, result, "pid", make_int(env, -1));
  napi_set_named_property(env, result, "uid", make_int(env, uid));
  napi_set_named_property(env, result, "gid", make_int(env, gid));
#endif
  return result;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "peerCred", NAPI_AUTO_LENGTH, peer_cred, NULL, &fn);
  napi_set_named_property(env, exports, "peerCred", fn);
  return exports;
}
