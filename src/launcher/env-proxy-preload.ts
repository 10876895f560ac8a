// Loaded into child Node processes by `sluice run` (NODE_OPTIONS=--import=...): points
// every built-in client at the proxy from HTTP(S)_PROXY on Node versions that would
// otherwise go direct.
// - fetch: the global undici dispatcher (the slot is shared between Node's bundled
//   undici and this one), for Node without NODE_USE_ENV_PROXY.
// - http/https modules (axios without its own proxy code, got, node-fetch, SDKs built
//   on http.request): the global agents, which http.request reads at call time. On
//   Node 20 the modules ignore the proxy variables entirely. A library that passes its
//   own agent or createConnection (ws does) still goes direct, which under
//   `sluice run --isolate` means it fails instead of escaping the gate.
// `sluice run` clears NO_PROXY, so one proxy per scheme is all there is to choose.
import http from 'node:http';
import https from 'node:https';
import { HttpProxyAgent } from 'http-proxy-agent';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { EnvHttpProxyAgent, setGlobalDispatcher } from 'undici';

const env = process.env;
const httpsProxy = env.HTTPS_PROXY || env.https_proxy || env.HTTP_PROXY || env.http_proxy;
const httpProxy = env.HTTP_PROXY || env.http_proxy || httpsProxy;
if (httpsProxy || httpProxy) setGlobalDispatcher(new EnvHttpProxyAgent());
// keepAlive as Node 20's own global agents have it.
if (httpProxy) http.globalAgent = new HttpProxyAgent(httpProxy, { keepAlive: true });
if (httpsProxy) https.globalAgent = new HttpsProxyAgent(httpsProxy, { keepAlive: true });
