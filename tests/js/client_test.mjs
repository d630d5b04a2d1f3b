// conf/client.js against a real HTTP server playing the gateway, without a browser: the
// script runs in a vm context whose window has Node's real fetch and a small XMLHttpRequest
// built on node:http. Run: node --test tests/js/client_test.mjs
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import fs from "node:fs";
import vm from "node:vm";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const client_js = fs.readFileSync(path.join(root, "conf", "client.js"), "utf8");
const wait_json = JSON.stringify({ gangway: { action: "wait", retry_after: 1 } });

// ---- the server: per-path scripts of answers, and a log of what it received ----
const received = [];
let waits_left = {};
const server = http.createServer((req, res) => {
  let body = "";
  req.on("data", (c) => (body += c));
  req.on("end", () => {
    const url = new URL(req.url, "http://x");
    received.push({ path: url.pathname, method: req.method, body });
    const key = url.pathname;
    if (key.startsWith("/api/wait") && (waits_left[key] ?? 0) > 0) {
      waits_left[key]--;
      res.writeHead(503, { "Content-Type": "application/json", "Retry-After": "1" });
      return res.end(wait_json);
    }
    if (key === "/api/moved") {
      const location = "https://new.example/api/moved";
      res.writeHead(409, { "Content-Type": "application/json", "Gangway-Location": location });
      return res.end(JSON.stringify({ gangway: { action: "redirect", location, reason: "moved" } }));
    }
    if (key === "/api/login") {
      res.writeHead(401, { "Content-Type": "application/json" });
      return res.end(JSON.stringify({ gangway: { action: "login", location: "/login?next=/api/login" } }));
    }
    if (key === "/api/app-503") {
      res.writeHead(503, { "Content-Type": "application/json" });
      return res.end(JSON.stringify({ error: "app is down" }));
    }
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ ok: true, echo: body }));
  });
});
let origin;
before(async () => {
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  origin = `http://127.0.0.1:${server.address().port}`;
});
after(() => server.close());

// ---- a minimal XMLHttpRequest over node:http ----
function make_xhr_class() {
  return class NodeXHR {
    constructor() { this.readyState = 0; this.status = 0; this.responseText = ""; this.response = ""; this._l = {}; this._h = {}; this.upload = {}; }
    open(method, url) { this._m = method; this._u = url; this.readyState = 1; }
    setRequestHeader(n, v) { this._h[n] = v; }
    addEventListener(t, f) { (this._l[t] = this._l[t] || []).push(f); }
    getResponseHeader(n) { return this._rh ? this._rh[n.toLowerCase()] ?? null : null; }
    getAllResponseHeaders() { return ""; }
    abort() {}
    _fire(t) { for (const f of this._l[t] || []) f({ type: t }); }
    send(body) {
      const req = http.request(this._u, { method: this._m, headers: this._h }, (res) => {
        let text = "";
        res.on("data", (c) => (text += c));
        res.on("end", () => {
          this.status = res.statusCode; this._rh = res.headers;
          this.readyState = 2; this._fire("readystatechange");
          this.responseText = this.response = text;
          this.readyState = 4; this._fire("readystatechange");
          this._fire("load"); this._fire("loadend");
        });
      });
      req.end(body ?? undefined);
    }
  };
}

// A page at `${origin}/dashboard?tab=2#top` with client.js loaded.
function page() {
  const assigned = [];
  const listeners = {};
  const here = new URL(`${origin}/dashboard?tab=2#top`);
  const window = {
    location: { href: here.href, origin: here.origin, pathname: here.pathname, search: here.search,
                hash: here.hash, assign: (u) => assigned.push(u) },
    fetch: (input, init) => fetch(typeof input === "string" ? new URL(input, here).href : input, init),
    XMLHttpRequest: make_xhr_class(),
    CustomEvent: class { constructor(type, o) { this.type = type; this.detail = o && o.detail; } },
    addEventListener: (t, f) => (listeners[t] = listeners[t] || []).push(f),
    dispatchEvent: (e) => (listeners[e.type] || []).forEach((f) => f(e)),
    setTimeout, URL, Promise, JSON,
  };
  vm.createContext(window);
  vm.runInContext(client_js, window);
  window.GangwayClient.config.delay_scale = 0.01;  // 1 s waits become 10 ms
  return { window, assigned, listeners };
}

const settle = (p, ms = 300) => Promise.race([p.then(() => "settled"), new Promise((r) => setTimeout(() => r("pending"), ms))]);
const count = (p) => received.filter((r) => r.path === p).length;

test("fetch: wait answers are retried until the real answer, which is all the app sees", async () => {
  const { window, listeners } = page();
  let banners = 0;
  window.addEventListener("gangway:wait", () => banners++);
  waits_left["/api/wait-then-ok"] = 2;
  const res = await window.fetch(`${origin}/api/wait-then-ok`);
  assert.equal(res.status, 200);
  assert.deepEqual((await res.json()).ok, true);
  assert.equal(count("/api/wait-then-ok"), 3);
  assert.equal(banners, 2);
  assert.ok(listeners["gangway:wait"]);
});

test("fetch: a POST body is sent again, identical, after a wait", async () => {
  const { window } = page();
  waits_left["/api/wait-echo"] = 1;
  const res = await window.fetch("/api/wait-echo", { method: "POST", body: "a=1&b=2" });
  assert.equal(res.status, 200);
  assert.equal((await res.json()).echo, "a=1&b=2");
  const bodies = received.filter((r) => r.path === "/api/wait-echo").map((r) => r.body);
  assert.deepEqual(bodies, ["a=1&b=2", "a=1&b=2"]);
});

test("fetch: past the wait budget the app gets the 503", async () => {
  const { window } = page();
  window.GangwayClient.config.wait_budget_s = 2;
  waits_left["/api/wait-forever"] = 100;
  const res = await window.fetch("/api/wait-forever");
  assert.equal(res.status, 503);
  assert.equal(count("/api/wait-forever"), 3);  // first try + 2 one-second waits
});

test("fetch: a redirect answer sends the page to the same page on the new origin", async () => {
  const { window, assigned } = page();
  const p = window.fetch("/api/moved");
  assert.equal(await settle(p), "pending");
  assert.deepEqual(assigned, ["https://new.example/dashboard?tab=2#top"]);
});

test("fetch: a login answer goes to the login page with next = this page", async () => {
  const { window, assigned } = page();
  const p = window.fetch("/api/login");
  assert.equal(await settle(p), "pending");
  assert.equal(assigned.length, 1);
  const to = new URL(assigned[0]);
  assert.equal(to.origin, origin);
  assert.equal(to.pathname, "/login");
  assert.equal(to.searchParams.get("next"), "/dashboard?tab=2");
});

test("fetch: the app's own 503 and cross-origin requests pass through untouched", async () => {
  const { window, assigned } = page();
  const res = await window.fetch("/api/app-503");
  assert.equal(res.status, 503);
  assert.deepEqual(await res.json(), { error: "app is down" });
  assert.equal(count("/api/app-503"), 1);
  waits_left["/api/wait-cross"] = 1;
  const other = `http://localhost:${new URL(origin).port}/api/wait-cross`;  // another origin
  const cross = await window.fetch(other);
  assert.equal(cross.status, 503);
  assert.equal(count("/api/wait-cross"), 1);
  assert.deepEqual(assigned, []);
});

function xhr_get(window, path, method = "GET", body = null) {
  return new Promise((resolve) => {
    const xhr = new window.XMLHttpRequest();
    const seen = [];
    xhr.onreadystatechange = () => seen.push([xhr.readyState, xhr.status]);
    xhr.onload = () => resolve({ xhr, seen });
    xhr.open(method, path);
    xhr.send(body);
  });
}

test("XHR: waits are invisible, the app sees one final answer", async () => {
  const { window } = page();
  waits_left["/api/wait-xhr"] = 2;
  const { xhr, seen } = await xhr_get(window, `${origin}/api/wait-xhr`);
  assert.equal(xhr.status, 200);
  assert.equal(JSON.parse(xhr.responseText).ok, true);
  assert.equal(count("/api/wait-xhr"), 3);
  assert.ok(seen.every(([, status]) => status !== 503), JSON.stringify(seen));
  assert.deepEqual(seen.at(-1), [4, 200]);
});

test("XHR: redirect navigates and the app's handlers never fire", async () => {
  const { window, assigned } = page();
  assert.equal(await settle(xhr_get(window, `${origin}/api/moved`)), "pending");
  assert.deepEqual(assigned, ["https://new.example/dashboard?tab=2#top"]);
});

test("XHR: the app's own 503 passes through", async () => {
  const { window } = page();
  const { xhr } = await xhr_get(window, `${origin}/api/app-503`);
  assert.equal(xhr.status, 503);
  assert.equal(JSON.parse(xhr.responseText).error, "app is down");
});

test("the lock page template has its placeholders and refreshes itself", () => {
  const html = fs.readFileSync(path.join(root, "conf", "lock.html"), "utf8");
  for (const p of ["{{retry_after}}", "{{status_url}}", "{{request_id}}"]) assert.ok(html.includes(p), p);
  assert.match(html, /<meta http-equiv="refresh" content="\{\{retry_after\}\}">/);
});
