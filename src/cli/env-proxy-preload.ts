// Loaded into child Node processes by `sluice run` (NODE_OPTIONS=--import=...): makes the
// built-in fetch honour HTTP(S)_PROXY on Node versions without NODE_USE_ENV_PROXY.
// The global dispatcher slot is shared between Node's bundled undici and this one.
import { EnvHttpProxyAgent, setGlobalDispatcher } from 'undici';

if (process.env.HTTPS_PROXY || process.env.HTTP_PROXY) setGlobalDispatcher(new EnvHttpProxyAgent());
