// conf/client.js without a browser: the script runs in a vm context whose `window` has Node's
// real fetch and a small XMLHttpRequest built on node:http, against a real HTTP server on
// 127.0.0.1 that plays the gateway. Run: node --test tests/js/client_test.mjs (Node >= 18).
// Waits are scaled down with GangwayClient.config.delay_scale; the test itself never sleeps:
// it awaits events and promises, each with a deadline.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import fs from "node:fs";
import vm from "node:vm";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const client_js = fs.readFileSync(path.join(root, "conf", "client.js"), "utf8");
const new_origin = "https://new.example";

// ---- the gateway stand-in ----
// /api/wait/<name>?n=K  answers the wait JSON K times (per name), then 200 with an echo of the
// request. Every request is logged in `received` with its raw body.
const received = [];
const waits_given = new Map();
const json = (res, status, body, headers = {}) => {
  res.writeHead(status, { "Content-Type": "application/json", ...headers });
  res.end(JSON.stringify(body));
};
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const url = new URL(req.url, "http://gateway");
    const body = Buffer.concat(chunks);
    received.push({ path: url.pathname, method: req.method, body, type: req.headers["content-type"],
                    header: req.headers["x-app"] });
    if (url.pathname.startsWith("/api/wait/")) {
      const given = waits_given.get(url.pathname) ?? 0;
      if (given < Number(url.searchParams.get("n") ?? 0)) {
        waits_given.set(url.pathname, given + 1);
        return json(res, 503, { gangway: { action: "wait", retry_after: 1 } }, { "Retry-After": "1" });
      }
      return json(res, 200, { ok: true, method: req.method, body: body.toString() });
    }
    switch (url.pathname) {
      case "/api/moved": {
        const location = `${new_origin}/api/moved?x=1`;
        return json(res, 409, { gangway: { action: "redirect", location, reason: "moved" } },
                    { "Gangway-Location": location });
      }
      case "/api/login":
        return json(res, 401, { gangway: { action: "login", location: "/login?next=%2Fapi%2Flogin&lang=en" } });
      case "/api/login-elsewhere":
        return json(res, 401, { gangway: { action: "login", location: "https://sso.example/login?next=%2Fkeep" } });
      case "/api/app-503": return json(res, 503, { error: "app is down" });
      case "/api/app-409": return json(res, 409, { error: "conflict" });
      case "/api/app-401": res.writeHead(401, { "Content-Type": "text/html" }); return res.end("<p>who?</p>");
      case "/api/mismatch": return json(res, 409, { gangway: { action: "wait", retry_after: 1 } });
    }
    json(res, 404, { error: "no such path" });
  });
});
let origin;       // the page's origin: http://127.0.0.1:PORT
let other_origin; // the same server under another origin: http://localhost:PORT
before(async () => {
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  origin = `http://127.0.0.1:${server.address().port}`;
  other_origin = `http://localhost:${server.address().port}`;
});
after(() => server.close());
const count = (p) => received.filter((r) => r.path === p).length;
const bodies = (p) => received.filter((r) => r.path === p);

// ---- a minimal XMLHttpRequest over node:http, event order as in the XHR standard ----
function make_xhr_class(base) {
  return class NodeXHR {
    constructor() {
      Object.assign(this, { readyState: 0, status: 0, statusText: "", responseText: "", response: "",
                            responseType: "", responseURL: "", timeout: 0, withCredentials: false });
      this._l = {}; this._h = {};
      this.upload = null;  // not modelled
    }
    open(method, url) {
      this._m = method; this._u = new URL(url, base).href; this.readyState = 1;
      this._fire("readystatechange");
    }
    setRequestHeader(n, v) { this._h[n] = v; }
    addEventListener(t, f) { (this._l[t] = this._l[t] || []).push(f); }
    removeEventListener(t, f) { this._l[t] = (this._l[t] || []).filter((g) => g !== f); }
    getResponseHeader(n) { return this._rh?.[n.toLowerCase()] ?? null; }
    getAllResponseHeaders() {
      return Object.entries(this._rh || {}).map(([k, v]) => `${k}: ${v}\r\n`).join("");
    }
    _fire(t, extra = {}) { for (const f of this._l[t] || []) f({ type: t, ...extra }); }
    _finish(status, events) {
      this.readyState = 4; this.status = status;
      for (const t of events) this._fire(t);
    }
    abort() {
      if (!this._req || this.readyState === 4) return;
      this._req.destroy(); this._req = null;
      this._finish(0, ["readystatechange", "abort", "loadend"]);
      this.readyState = 0;
    }
    async send(body) {
      this._fire("loadstart");
      let payload;
      if (body != null) {  // serialise as a browser would, content type included
        const r = new Response(body);
        payload = Buffer.from(await r.arrayBuffer());
        const type = r.headers.get("content-type");
        if (type && !Object.keys(this._h).some((k) => k.toLowerCase() === "content-type")) this._h["Content-Type"] = type;
      }
      this._req = http.request(this._u, { method: this._m, headers: this._h }, (res) => {
        this.status = res.statusCode; this.statusText = res.statusMessage; this._rh = res.headers;
        this.responseURL = this._u;
        this.readyState = 2; this._fire("readystatechange");
        let text = "";
        res.on("data", (c) => {
          text += c; this.responseText = text;
          this.readyState = 3; this._fire("readystatechange"); this._fire("progress", { loaded: text.length });
        });
        res.on("end", () => {
          this._req = null;
          this.responseText = text;
          this.response = this.responseType === "json" ? JSON.parse(text) : text;
          this._finish(res.statusCode, ["readystatechange", "load", "loadend"]);
        });
      });
      this._req.on("error", () => { if (this._req) { this._req = null; this._finish(0, ["readystatechange", "error", "loadend"]); } });
      this._req.end(payload);
    }
  };
}

const CustomEventClass = globalThis.CustomEvent ?? class CustomEvent extends Event {
  constructor(type, options) { super(type, options); this.detail = options?.detail ?? null; }
};

// A page at `${origin}/dashboard?tab=2#top` with client.js loaded (twice when `twice`).
function page({ preset, twice = false } = {}) {
  const here = new URL(`${origin}/dashboard?tab=2#top`);
  const assigned = [];
  let on_assign = () => {};
  const navigated = new Promise((r) => { on_assign = r; });
  const events = new EventTarget();
  const waits = [];
  const window = {
    location: { href: here.href, origin: here.origin, pathname: here.pathname, search: here.search,
                hash: here.hash, assign: (u) => { assigned.push(u); on_assign(u); } },
    // The browser resolves relative URLs against the page; Node's fetch needs absolute ones.
    fetch: (input, init) => fetch(typeof input === "string" ? new URL(input, here).href : input, init),
    XMLHttpRequest: make_xhr_class(here.href),
    CustomEvent: CustomEventClass,
    addEventListener: events.addEventListener.bind(events),
    removeEventListener: events.removeEventListener.bind(events),
    dispatchEvent: events.dispatchEvent.bind(events),
    Request, Response, Headers, URL, URLSearchParams, FormData, Blob, ArrayBuffer,
    setTimeout, clearTimeout,
  };
  if (preset) window.GangwayClient = preset;
  vm.createContext(window);
  vm.runInContext(client_js, window);
  if (twice) vm.runInContext(client_js, window);
  window.GangwayClient.config.delay_scale = 0.01;  // 1 s waits become 10 ms
  window.addEventListener("gangway:wait", (e) => waits.push(e.detail));
  return { window, assigned, navigated, waits };
}

// Awaits `p` for at most `ms`; a test never hangs on a broken client.
function within(p, what, ms = 5000) {
  let timer;
  const deadline = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`deadline: ${what}`)), ms); });
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}
// True when `p` has not settled once every already-queued callback has run.
async function still_pending(p) {
  const sentinel = Symbol("pending");
  const flush = new Promise((r) => setImmediate(() => setImmediate(() => r(sentinel))));
  return (await Promise.race([p.then(() => "settled", () => "rejected"), flush])) === sentinel;
}

// ---- fetch ----
test("fetch: wait answers are retried until the real answer, which is all the app sees", async () => {
  const { window, waits } = page();
  const res = await within(window.fetch(`${origin}/api/wait/f1?n=2`), "final answer");
  assert.equal(res.status, 200);
  assert.equal((await res.json()).ok, true);
  assert.equal(count("/api/wait/f1"), 3);
  assert.deepEqual(waits, [1, 1]);  // one gangway:wait event per wait, detail = retry_after
});

test("fetch: the same method, headers and body are sent again after a wait", async () => {
  const { window } = page();
  const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
  const form = new FormData();
  form.append("name", "Zoë");
  form.append("file", new Blob(["file body"], { type: "text/plain" }), "a.txt");
  const cases = {
    string: "a=1&b=2",
    params: new URLSearchParams({ q: "x y", r: "é" }),
    form,
    blob: new Blob(["blob body"], { type: "application/x-thing" }),
    buffer: bytes.buffer,
    view: bytes.subarray(10, 20),
  };
  for (const [name, body] of Object.entries(cases)) {
    const p = `/api/wait/body-${name}`;
    const res = await within(window.fetch(`${p}?n=1`, { method: "PUT", body, headers: { "X-App": name } }), name);
    assert.equal(res.status, 200, name);
    const [first, second] = bodies(p);
    assert.equal(bodies(p).length, 2, name);
    assert.equal(second.method, "PUT", name);
    assert.equal(second.header, name, name);
    // Multipart boundaries differ per serialisation; everything else must be identical.
    const boundary = (r) => /boundary=(.*)$/.exec(r.type ?? "")?.[1];
    const norm = (r) => boundary(r) ? r.body.toString("latin1").split(boundary(r)).join("B") : r.body.toString("latin1");
    assert.ok(first.body.length > 0, name);
    assert.equal(norm(second), norm(first), name);
    assert.equal(second.type?.replace(/boundary=.*/, ""), first.type?.replace(/boundary=.*/, ""), name);
  }
  assert.deepEqual([...bodies("/api/wait/body-view")[1].body], [...bytes.subarray(10, 20)]);
});

test("fetch: a Request object is replayed too", async () => {
  const { window } = page();
  const req = new Request(`${origin}/api/wait/request?n=1`, { method: "POST", body: "from a Request" });
  const res = await within(window.fetch(req), "request");
  assert.equal((await res.json()).body, "from a Request");
  assert.deepEqual(bodies("/api/wait/request").map((r) => r.body.toString()), ["from a Request", "from a Request"]);
});

test("fetch: a ReadableStream body is not retried; the app gets the wait answer", async () => {
  const { window, waits } = page();
  const stream = new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode("streamed")); c.close(); } });
  const res = await within(window.fetch("/api/wait/stream?n=1", { method: "POST", body: stream, duplex: "half" }), "stream");
  assert.equal(res.status, 503);
  assert.equal((await res.json()).gangway.action, "wait");
  assert.equal(count("/api/wait/stream"), 1);
  assert.deepEqual(waits, []);
});

test("fetch: past the wait budget the app gets the 503", async () => {
  const { window, waits } = page();
  window.GangwayClient.config.wait_budget_s = 2;
  const res = await within(window.fetch("/api/wait/budget?n=100"), "budget");
  assert.equal(res.status, 503);
  assert.deepEqual(await res.json(), { gangway: { action: "wait", retry_after: 1 } });
  assert.equal(count("/api/wait/budget"), 3);  // first try + two 1 s waits
  assert.deepEqual(waits, [1, 1]);
});

test("fetch: a redirect answer opens this page on the new origin; the promise stays pending", async () => {
  const { window, assigned, navigated } = page();
  const p = window.fetch("/api/moved");
  await within(navigated, "navigation");
  assert.deepEqual(assigned, [`${new_origin}/dashboard?tab=2#top`]);
  assert.ok(await still_pending(p));
});

test("fetch: a login answer goes to the login page with next = this page", async () => {
  const { window, assigned, navigated } = page();
  const p = window.fetch("/api/login");
  await within(navigated, "navigation");
  assert.equal(assigned.length, 1);
  const to = new URL(assigned[0]);
  assert.equal(to.origin, origin);
  assert.equal(to.pathname, "/login");
  assert.equal(to.searchParams.get("next"), "/dashboard?tab=2");
  assert.equal(to.searchParams.get("lang"), "en");
  assert.ok(await still_pending(p));
});

test("fetch: a login page on another origin keeps its own next", async () => {
  const { window, assigned, navigated } = page();
  window.fetch("/api/login-elsewhere");
  await within(navigated, "navigation");
  assert.deepEqual(assigned, ["https://sso.example/login?next=%2Fkeep"]);
});

test("fetch: the app's own 503/409/401 pass through untouched", async () => {
  const { window, assigned, waits } = page();
  for (const [p, status] of [["/api/app-503", 503], ["/api/app-409", 409], ["/api/app-401", 401], ["/api/mismatch", 409]]) {
    const res = await within(window.fetch(p), p);
    assert.equal(res.status, status, p);
    assert.ok((await res.text()).length > 0, p);  // body still readable by the app
    assert.equal(count(p), 1, p);
  }
  assert.deepEqual(assigned, []);
  assert.deepEqual(waits, []);
});

test("fetch: cross-origin requests pass through unless their origin is configured", async () => {
  const { window, assigned, navigated } = page();
  const res = await within(window.fetch(`${other_origin}/api/wait/cross?n=1`), "cross");
  assert.equal(res.status, 503);
  assert.equal(count("/api/wait/cross"), 1);
  const moved = await within(window.fetch(`${other_origin}/api/moved`), "cross moved");
  assert.equal(moved.status, 409);
  assert.deepEqual(assigned, []);

  window.GangwayClient.config.origins = [`${other_origin}/`];
  const ok = await within(window.fetch(`${other_origin}/api/wait/listed?n=1`), "listed");
  assert.equal(ok.status, 200);
  assert.equal(count("/api/wait/listed"), 2);
  window.fetch(`${other_origin}/api/moved`);
  await within(navigated, "listed navigation");
  assert.deepEqual(assigned, [`${new_origin}/dashboard?tab=2#top`]);
});

test("included twice, or after a preset config, the client wraps once and keeps the config", async () => {
  const twice = page({ twice: true });
  const res = await within(twice.window.fetch("/api/wait/twice?n=1"), "twice");
  assert.equal(res.status, 200);
  assert.equal(count("/api/wait/twice"), 2);
  assert.deepEqual(twice.waits, [1]);

  const preset = page({ preset: { config: { wait_budget_s: 1 } } });
  assert.equal(preset.window.GangwayClient.config.wait_budget_s, 1);
  assert.equal(preset.window.GangwayClient.config.delay_scale, 0.01);
  assert.ok(preset.window.GangwayClient.version);
  const limited = await within(preset.window.fetch("/api/wait/preset?n=5"), "preset");
  assert.equal(limited.status, 503);
  assert.equal(count("/api/wait/preset"), 2);
});

// ---- XMLHttpRequest ----
// Sends one XHR and records what the app sees; resolves on loadend.
function xhr(window, url, { method = "GET", body = null, responseType = "", on_wait } = {}) {
  const x = new window.XMLHttpRequest();
  const seen = { states: [], load: 0, loadend: 0, loadstart: 0, abort: 0, error: 0, progress_statuses: [] };
  const done = new Promise((resolve) => {
    x.onreadystatechange = () => seen.states.push([x.readyState, x.status]);
    x.onload = () => seen.load++;
    x.addEventListener("loadstart", () => seen.loadstart++);
    x.addEventListener("progress", () => seen.progress_statuses.push(x.status));
    x.onabort = () => seen.abort++;
    x.onerror = () => seen.error++;
    x.addEventListener("loadend", () => { seen.loadend++; resolve(); });
  });
  x.open(method, url);
  x.responseType = responseType;
  x.setRequestHeader("X-App", "xhr");
  x.send(body);
  return { x, seen, done };
}

test("XHR: waits are invisible; the app's handlers fire once, with the final answer", async () => {
  const { window, waits } = page();
  const { x, seen, done } = xhr(window, `${origin}/api/wait/x1?n=2`);
  await within(done, "loadend");
  assert.equal(x.status, 200);
  assert.equal(x.readyState, 4);
  assert.equal(JSON.parse(x.responseText).ok, true);
  assert.match(x.getResponseHeader("Content-Type"), /json/);
  assert.equal(count("/api/wait/x1"), 3);
  assert.deepEqual(waits, [1, 1]);
  assert.ok(seen.states.every(([, status]) => status !== 503), JSON.stringify(seen.states));
  assert.deepEqual(seen.states[0], [1, 0]);
  assert.deepEqual(seen.states.filter(([s]) => s === 4), [[4, 200]]);
  assert.deepEqual([seen.load, seen.loadend, seen.loadstart], [1, 1, 1]);
  assert.ok(seen.progress_statuses.every((s) => s === 200));
});

test("XHR: the body and headers are sent again after a wait; responseType json works", async () => {
  const { window } = page();
  const { x, done } = xhr(window, "/api/wait/xpost?n=1", { method: "POST", body: "payload=1", responseType: "json" });
  await within(done, "loadend");
  assert.equal(x.status, 200);
  assert.equal(x.response, x.response);
  // Parsed in the page's realm: compare as plain data.
  assert.deepEqual(JSON.parse(JSON.stringify(x.response)), { ok: true, method: "POST", body: "payload=1" });
  assert.deepEqual(bodies("/api/wait/xpost").map((r) => [r.method, r.body.toString(), r.header]),
                   [["POST", "payload=1", "xhr"], ["POST", "payload=1", "xhr"]]);
});

test("XHR: past the wait budget the app sees the 503 once", async () => {
  const { window } = page();
  window.GangwayClient.config.wait_budget_s = 1;
  const { x, seen, done } = xhr(window, "/api/wait/xbudget?n=100");
  await within(done, "loadend");
  assert.equal(x.status, 503);
  assert.equal(JSON.parse(x.responseText).gangway.action, "wait");
  assert.equal(count("/api/wait/xbudget"), 2);
  assert.deepEqual(seen.states.filter(([s]) => s === 4), [[4, 503]]);
  assert.equal(seen.load, 1);
});

test("XHR: redirect and login navigate and the app's handlers never see the answer", async () => {
  for (const [p, expected] of [["/api/moved", `${new_origin}/dashboard?tab=2#top`],
                               ["/api/login", `${origin}/login?next=%2Fdashboard%3Ftab%3D2&lang=en`]]) {
    const { window, assigned, navigated } = page();
    const { x, seen, done } = xhr(window, p);
    await within(navigated, `navigation for ${p}`);
    assert.deepEqual(assigned, [expected]);
    assert.ok(await still_pending(done), p);
    assert.deepEqual(seen.states, [[1, 0]], p);
    assert.equal(x.status, 0, p);
    assert.equal(seen.load, 0, p);
  }
});

test("XHR: the app's own 503 and cross-origin answers pass through", async () => {
  const { window, waits } = page();
  const own = xhr(window, "/api/app-503");
  await within(own.done, "app-503");
  assert.equal(own.x.status, 503);
  assert.equal(JSON.parse(own.x.responseText).error, "app is down");
  assert.deepEqual(own.seen.states.filter(([s]) => s === 4), [[4, 503]]);
  const cross = xhr(window, `${other_origin}/api/wait/xcross?n=1`);
  await within(cross.done, "cross");
  assert.equal(cross.x.status, 503);
  assert.equal(count("/api/wait/xcross"), 1);
  assert.deepEqual(waits, []);
});

test("XHR: abort during a wait reports abort and sends nothing more", async () => {
  const { window } = page();
  const waiting = new Promise((r) => window.addEventListener("gangway:wait", r, { once: true }));
  const { x, seen, done } = xhr(window, "/api/wait/xabort?n=1");
  await within(waiting, "first wait");
  x.abort();
  await within(done, "loadend after abort");
  assert.deepEqual([seen.abort, seen.load, seen.loadend], [1, 0, 1]);
  assert.equal(x.readyState, 0);
  assert.equal(x.status, 0);
  // A later request with the same wait finishes after the aborted retry would have fired.
  const later = xhr(window, "/api/wait/xlater?n=1");
  await within(later.done, "later");
  assert.equal(count("/api/wait/xabort"), 1);
});

// ---- the lock page template ----
test("the lock page template has its placeholders and refreshes itself", () => {
  const html = fs.readFileSync(path.join(root, "conf", "lock.html"), "utf8");
  for (const p of ["{{retry_after}}", "{{status_url}}", "{{request_id}}"]) assert.ok(html.includes(p), p);
  assert.match(html, /<meta http-equiv="refresh" content="\{\{retry_after\}\}">/);
  assert.match(html, /<html lang="[a-z]+">/);
  assert.match(html, /credentials: "same-origin"/);
  assert.match(html, /location\.reload\(\)/);
  assert.doesNotMatch(html, /<(?:script|link|img)[^>]+(?:src|href)=/);  // no external resources
});
