// Live interop driver for core/seal/node_interop_test.go.
//
// Reads one JSON command per line on stdin and writes one JSON result per line
// on stdout, in order, so a single node process serves a whole Go test.
//
// Command: {"op": "seal"|"unseal", "lib": <lib>, "password": string | {id: string},
//           "payload": <json> (seal), "sealed": string (unseal),
//           "ttlSeconds": number (optional, default 0 = no expiry),
//           "nowMs": number (optional: Date.now() for this command)}
// Result:  {"ok": true, "sealed": string} | {"ok": true, "payload": <json>} |
//          {"ok": false, "error": string}
//
// <lib> is one of:
//   iron-session@8    sealData/unsealData of iron-session 8.0.4 (iron-webcrypto 1.2.1)
//   iron-session@9    sealData/unsealData of iron-session 9.0.1 (iron-webcrypto 2.0.0)
//   iron-webcrypto@2  seal/unseal of iron-webcrypto 2.0.0, with the "~2" suffix
//                     handled as iron-session does (appended on seal, cut on unseal)
//   workos-node@11    @workos-inc/node 11.0.0 userManagement
//                     sealSessionDataFromAuthenticationResponse / getSessionFromCookie
//                     (string passwords only, ttl 0 only; offline: no API call)
//
// iron-session and @workos-inc/node answer {} instead of throwing for a seal
// they reject (bad MAC, expired, unknown password); the test never seals {},
// so an empty object is reported as {"ok": false}.
//
// Command: {"op": "refresh", "sealed": string, "password": string,
//           "clientId": string, "apiKey": string,
//           "apiHostname": string, "port": number}
// Result:  {"ok": true, "sealed": string, "sessionId": string, "userId": string} |
//          {"ok": false, "error": string}
//
// refresh is what a Node AuthKit app does with the session cookie it shares
// with a Go app (driven by core/node_race_test.go): @workos-inc/node 11.0.0
//   workos.userManagement.loadSealedSession({sessionData, cookiePassword}).refresh()
// against a WorkOS at http://apiHostname:port (the Go emulator). It spends the
// cookie's refresh token (POST /user_management/authenticate, grant
// refresh_token) and answers the new sealed session; it verifies no token, so
// node's wall clock does not matter. A refusal ({authenticated: false}) is
// reported as {"ok": false, "error": <reason>}.
//
// Session-reading code paths, each against a WorkOS at http://apiHostname:port
// (the Go emulator); every command carries "password", "clientId",
// "apiKey", "apiHostname", "port" (driven by core/node_session_test.go):
//   {"op": "authenticate", "sealed"}: @workos-inc/node 11.0.0
//       loadSealedSession({sessionData, cookiePassword}).authenticate()
//       (verifies the access token against the emulator's JWKS, node's clock)
//       -> {"ok": true, "user", "sessionId", "organizationId", "impersonator",
//           "authenticationMethod"}
//   {"op": "seal-response", "refreshToken"}: @workos-inc/node 11.0.0
//       userManagement.authenticateWithRefreshToken({..., session:
//       {sealSession: true, cookiePassword}}): the cookie the SDK writes for
//       the WorkOS answer -> {"ok": true, "sealed"}
//   {"op": "with-auth", "sealed"}: @workos/authkit-session 0.7.1
//       AuthService.withAuth (verifies, refreshes an expired token) with its
//       default iron-webcrypto encryption
//       -> {"ok": true, "user", "sessionId", "sealed": refreshed cookie | null}
// A refusal is {"ok": false, "error": <reason>}.
import { createInterface } from "node:readline";
import * as is8 from "iron-session-8";
import * as is9 from "iron-session-9";
import * as Iron from "iron-webcrypto";
import { WorkOS } from "@workos-inc/node";
import { AuthService, sessionEncryption } from "@workos/authkit-session";

const workos = new WorkOS("sk_test_authkit_go_interop", { clientId: "client_authkit_go_interop" });

function isEmptyObject(v) {
  return v !== null && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 0;
}

function highest(map) {
  const id = Math.max(...Object.keys(map).map(Number)).toString();
  return { id, secret: map[id] };
}

async function seal(cmd) {
  const ttl = cmd.ttlSeconds ?? 0;
  switch (cmd.lib) {
    case "iron-session@8":
      return is8.sealData(cmd.payload, { password: cmd.password, ttl });
    case "iron-session@9":
      return is9.sealData(cmd.payload, { password: cmd.password, ttl });
    case "iron-webcrypto@2": {
      const pw = typeof cmd.password === "string" ? { id: "1", secret: cmd.password } : highest(cmd.password);
      return (await Iron.seal(cmd.payload, pw, { ...Iron.defaults, ttl: ttl * 1000 })) + "~2";
    }
    case "workos-node@11": {
      if (typeof cmd.password !== "string" || ttl !== 0) throw new Error("workos-node@11: string password and ttl 0 only");
      const p = cmd.payload;
      return workos.userManagement.sealSessionDataFromAuthenticationResponse({
        authenticationResponse: {
          accessToken: p.accessToken,
          refreshToken: p.refreshToken,
          user: p.user,
          authenticationMethod: p.authenticationMethod,
          impersonator: p.impersonator,
        },
        cookiePassword: cmd.password,
      });
    }
  }
  throw new Error("unknown lib " + cmd.lib);
}

async function unseal(cmd) {
  const ttl = cmd.ttlSeconds ?? 0;
  switch (cmd.lib) {
    case "iron-session@8":
      return is8.unsealData(cmd.sealed, { password: cmd.password, ttl });
    case "iron-session@9": {
      let reason = null;
      const data = await is9.unsealData(cmd.sealed, {
        password: cmd.password,
        ttl,
        onUnsealError: (kind, err) => { reason = kind + ": " + (err?.message ?? err); },
      });
      if (reason) throw new Error(reason);
      return data;
    }
    case "iron-webcrypto@2": {
      const s = cmd.sealed;
      const i = s.indexOf("~");
      return Iron.unseal(i < 0 ? s : s.slice(0, i), cmd.password, { ...Iron.defaults, ttl: ttl * 1000 });
    }
    case "workos-node@11":
      if (typeof cmd.password !== "string") throw new Error("workos-node@11: string password only");
      return workos.userManagement.getSessionFromCookie({ sessionData: cmd.sealed, cookiePassword: cmd.password });
  }
  throw new Error("unknown lib " + cmd.lib);
}

async function refresh(cmd) {
  for (const k of ["sealed", "password", "clientId", "apiKey", "apiHostname"]) {
    if (typeof cmd[k] !== "string" || cmd[k] === "") throw new Error("refresh: " + k + " is required");
  }
  const client = new WorkOS(cmd.apiKey, {
    clientId: cmd.clientId,
    apiHostname: cmd.apiHostname,
    https: false,
    port: cmd.port,
  });
  const session = client.userManagement.loadSealedSession({ sessionData: cmd.sealed, cookiePassword: cmd.password });
  const res = await session.refresh();
  if (!res.authenticated) return { ok: false, error: "refresh refused: " + res.reason };
  return { ok: true, sealed: res.sealedSession, sessionId: res.sessionId, userId: res.user?.id };
}

function workosAt(cmd) {
  for (const k of ["password", "clientId", "apiKey", "apiHostname"]) {
    if (typeof cmd[k] !== "string" || cmd[k] === "") throw new Error(cmd.op + ": " + k + " is required");
  }
  return new WorkOS(cmd.apiKey, { clientId: cmd.clientId, apiHostname: cmd.apiHostname, https: false, port: cmd.port });
}

async function authenticate(cmd) {
  const session = workosAt(cmd).userManagement.loadSealedSession({ sessionData: cmd.sealed, cookiePassword: cmd.password });
  const res = await session.authenticate();
  if (!res.authenticated) return { ok: false, error: "authenticate refused: " + res.reason };
  return {
    ok: true, user: res.user, sessionId: res.sessionId, organizationId: res.organizationId ?? null,
    impersonator: res.impersonator ?? null, authenticationMethod: res.authenticationMethod ?? null,
  };
}

async function sealResponse(cmd) {
  const res = await workosAt(cmd).userManagement.authenticateWithRefreshToken({
    clientId: cmd.clientId,
    refreshToken: cmd.refreshToken,
    session: { sealSession: true, cookiePassword: cmd.password },
  });
  return { ok: true, sealed: res.sealedSession };
}

async function withAuth(cmd) {
  const config = {
    clientId: cmd.clientId, apiKey: cmd.apiKey, redirectUri: "http://app.test/callback",
    cookiePassword: cmd.password, cookieName: "wos-session",
    apiHostname: cmd.apiHostname, apiHttps: false, apiPort: cmd.port,
  };
  const storage = { getSession: async (req) => req.cookie };
  const svc = new AuthService(config, storage, workosAt(cmd), sessionEncryption);
  const { auth, refreshedSessionData } = await svc.withAuth({ cookie: cmd.sealed });
  if (!auth.user) return { ok: false, error: "withAuth: signed out" };
  return { ok: true, user: auth.user, sessionId: auth.sessionId, sealed: refreshedSessionData ?? null };
}

const ops = { "authenticate": authenticate, "seal-response": sealResponse, "with-auth": withAuth };

const realNow = Date.now;
const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of rl) {
  if (!line.trim()) continue;
  let out;
  try {
    const cmd = JSON.parse(line);
    // Commands run one at a time, so a per-command clock is safe.
    if (typeof cmd.nowMs === "number") Date.now = () => cmd.nowMs;
    try {
      if (cmd.op === "seal") {
        out = { ok: true, sealed: await seal(cmd) };
      } else if (cmd.op === "refresh") {
        out = await refresh(cmd);
      } else if (ops[cmd.op]) {
        out = await ops[cmd.op](cmd);
      } else if (cmd.op === "unseal") {
        const payload = await unseal(cmd);
        out = payload === undefined || isEmptyObject(payload)
          ? { ok: false, error: "rejected: empty session" }
          : { ok: true, payload };
      } else {
        throw new Error("unknown op " + cmd.op);
      }
    } finally {
      Date.now = realNow;
    }
  } catch (err) {
    out = { ok: false, error: String(err?.message ?? err) };
  }
  process.stdout.write(JSON.stringify(out) + "\n");
}
