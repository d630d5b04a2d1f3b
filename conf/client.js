/* Gangway client (served at /_gangway/client.js): makes an unchanged AJAX app follow the
 * gateway's JSON answers. Include it once, before the app's scripts:
 *   <script src="/_gangway/client.js"></script>
 *
 * Contract with the gateway (PRODUCT.md, "Routing of an authenticated request"):
 *   503 {"gangway":{"action":"wait","retry_after":N}}     wait N s (clamped to 1..60), then send
 *                                                         the same request again
 *   409 {"gangway":{"action":"redirect","location":URL}}  (URL also in header Gangway-Location)
 *                                                         open this page on URL's origin
 *   401 {"gangway":{"action":"login","location":URL}}     open URL; when it is on this origin its
 *                                                         `next` becomes this page
 * Only requests to this page's origin or to config.origins are looked at; any other answer
 * (an app's own 503/409/401 included) passes through untouched. The app sees only the final
 * answer: a fetch promise resolves once, XHR events fire for the last attempt only. After a
 * redirect or login answer they never settle: the page is going away.
 *
 * Config: set window.GangwayClient.config.* after this script, or define
 * window.GangwayClient = { config: {...} } before it.
 *   wait_budget_s  seconds of waiting per request before the app gets the 503 (900)
 *   origins        further origins whose answers are followed, e.g. ["https://api.example.com"]
 *   delay_scale    multiplies every wait (tests use 0.01) (1)
 * Dispatches CustomEvent "gangway:wait" on window before each wait (detail: retry_after, s).
 */
(function (window) {
  "use strict";
  const preset = window.GangwayClient;
  if (preset && preset.version) return;  // included twice
  const config = Object.assign({ wait_budget_s: 900, origins: [], delay_scale: 1 },
                               preset && preset.config);
  window.GangwayClient = { version: "1", config: config };

  const expected_action = { 503: "wait", 409: "redirect", 401: "login" };

  function followed(url) {
    try {
      const origin = new URL(String(url), window.location.href).origin;
      if (origin === window.location.origin) return true;
      return (config.origins || []).some((o) => { try { return new URL(o).origin === origin; }
                                                  catch (e) { return false; } });
    } catch (e) { return false; }
  }

  // The gangway instruction carried by an answer, or null. A status and action must match.
  function instruction(status, text) {
    const action = expected_action[status];
    if (!action || typeof text !== "string" || text.trim().charAt(0) !== "{") return null;
    try {
      const g = JSON.parse(text).gangway;
      return g && g.action === action ? g : null;
    } catch (e) { return null; }
  }

  const wait_seconds = (g) => Math.min(60, Math.max(1, Number(g.retry_after) || 5));
  const pause_ms = (seconds) => seconds * 1000 * config.delay_scale;

  function announce_wait(seconds) {
    try { window.dispatchEvent(new window.CustomEvent("gangway:wait", { detail: seconds })); }
    catch (e) { /* no CustomEvent: the app just gets no banner */ }
  }

  // Leaves the page for a redirect or login instruction. False when there is nowhere to go.
  function navigate(g, header_location) {
    const here = window.location;
    let to;
    try { to = new URL(g.location || header_location, here.href); } catch (e) { return false; }
    if (g.action === "redirect") {
      // The AJAX URL is not a page: the same page on the new origin is.
      here.assign(to.origin + here.pathname + here.search + here.hash);
      return true;
    }
    if (to.origin === here.origin) to.searchParams.set("next", here.pathname + here.search);
    here.assign(to.href);
    return true;
  }

  const is_a = (value, name) => typeof window[name] === "function" && value instanceof window[name];
  const is_stream = (body) => !!body && typeof body.getReader === "function";

  // A copy of a request body that can be sent again later, or the body itself when it is
  // immutable (string, Blob) or of a kind we cannot copy.
  function replayable_copy(body) {
    if (is_a(body, "URLSearchParams")) return new window.URLSearchParams(body);
    if (is_a(body, "FormData")) {
      const copy = new window.FormData();
      body.forEach((value, name) => copy.append(name, value));
      return copy;
    }
    if (is_a(body, "ArrayBuffer")) return body.slice(0);
    if (typeof ArrayBuffer !== "undefined" && ArrayBuffer.isView(body)) {
      return new Uint8Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength));
    }
    return body;
  }

  // ---- fetch ----
  const native_fetch = window.fetch;
  if (typeof native_fetch === "function") {
    window.fetch = function (input, init) {
      const is_request = !!input && typeof input === "object" && typeof input.clone === "function";
      if (!followed(is_request ? input.url : input)) return native_fetch.apply(window, arguments);
      const body = init && init.body;
      const replayable = !is_stream(body);  // a stream can be sent once; wait answers reach the app
      if (body != null && replayable) init = Object.assign({}, init, { body: replayable_copy(body) });
      return (async () => {
        let waited_s = 0;
        for (;;) {
          const res = await native_fetch.call(window, is_request ? input.clone() : input, init);
          if (!expected_action[res.status]) return res;
          const g = instruction(res.status, await res.clone().text());
          if (!g) return res;
          if (g.action === "wait") {
            const s = wait_seconds(g);
            if (!replayable || waited_s + s > config.wait_budget_s) return res;
            waited_s += s;
            announce_wait(s);
            // An abort during the pause makes the next native fetch reject, as the app expects.
            await new Promise((resolve) => setTimeout(resolve, pause_ms(s)));
            continue;
          }
          if (navigate(g, res.headers.get("Gangway-Location"))) return new Promise(() => {});
          return res;
        }
      })();
    };
  }

  // ---- XMLHttpRequest: a wrapper whose events come from the final attempt only ----
  const Native = window.XMLHttpRequest;
  if (typeof Native !== "function") return;
  const xhr_events = ["readystatechange", "loadstart", "progress", "load", "error", "abort",
                      "timeout", "loadend"];
  const upload_events = ["loadstart", "progress", "load", "error", "abort", "timeout", "loadend"];

  // Minimal EventTarget with on<type> properties. Events are plain objects (a real Event's
  // target cannot be set); a throwing listener is reported, not propagated, as in browsers.
  class Emitter {
    constructor(types) {
      this._listeners = {};
      types.forEach((t) => { this["on" + t] = null; });
    }
    addEventListener(type, fn, options) {
      if (!fn) return;
      const list = this._listeners[type] || (this._listeners[type] = []);
      if (!list.some((l) => l.fn === fn)) list.push({ fn: fn, once: !!(options && options.once) });
    }
    removeEventListener(type, fn) {
      this._listeners[type] = (this._listeners[type] || []).filter((l) => l.fn !== fn);
    }
    dispatchEvent(event) { this._emit(event.type, event); return true; }
    _emit(type, source) {
      const event = { type: type, target: this, currentTarget: this, bubbles: false,
                      lengthComputable: !!(source && source.lengthComputable),
                      loaded: (source && source.loaded) || 0, total: (source && source.total) || 0,
                      timeStamp: Date.now(), preventDefault() {}, stopPropagation() {},
                      stopImmediatePropagation() {} };
      const handlers = (this._listeners[type] || []).slice();
      if (typeof this["on" + type] === "function") handlers.unshift({ fn: this["on" + type] });
      handlers.forEach((l) => {
        if (l.once) this.removeEventListener(type, l.fn);
        try { typeof l.fn === "function" ? l.fn.call(this, event) : l.fn.handleEvent(event); }
        catch (e) { setTimeout(() => { throw e; }); }
      });
    }
  }

  class GangwayXMLHttpRequest extends Emitter {
    constructor() {
      super(xhr_events);
      this.responseType = "";
      this.timeout = 0;
      this.withCredentials = false;
      this._headers = [];
      this._state = 0;         // readyState as the app sees it
      this._attempt = null;    // { inner, first, verdict: null|"final"|"gangway", held: [] }
      this._shown = null;      // the native XHR whose status, headers and body the app may read
      this._timer = null;
      this._upload = null;
    }
    get readyState() { return this._state; }
    get upload() { return this._upload || (this._upload = new Emitter(upload_events)); }
    get status() { return this._shown ? this._shown.status : 0; }
    get statusText() { return this._shown ? this._shown.statusText : ""; }
    get responseURL() { return this._shown ? this._shown.responseURL : ""; }
    get responseText() { return this._shown ? this._shown.responseText : ""; }
    get responseXML() { try { return this._shown ? this._shown.responseXML : null; } catch (e) { return null; } }
    get response() {
      const r = this._shown;
      if (!r) return this.responseType === "" || this.responseType === "text" ? "" : null;
      if (!this._json_as_text) return r.response;
      if (r.readyState !== 4) return null;
      if (this._parsed_from !== r) {  // parse once: the app may compare identities
        this._parsed_from = r;
        try { this._parsed = JSON.parse(r.responseText); } catch (e) { this._parsed = null; }
      }
      return this._parsed;
    }
    getResponseHeader(name) { return this._shown && this._state >= 2 ? this._shown.getResponseHeader(name) : null; }
    getAllResponseHeaders() { return this._shown && this._state >= 2 ? this._shown.getAllResponseHeaders() : ""; }
    overrideMimeType(mime) { this._mime = mime; }
    setRequestHeader(name, value) { this._headers.push([name, value]); }

    open(method, url, async, user, password) {
      this._cancel();
      this._open_args = [method, String(url), async !== false, user, password];
      this._headers = [];
      this._shown = null;
      this._state = 1;
      this._emit("readystatechange");
    }

    send(body) {
      const [, url, is_async] = this._open_args || [];
      if (this._state !== 1 || this._sent) throw new Error("InvalidStateError: send() needs open()");
      this._sent = true;
      this._body = is_stream(body) ? body : replayable_copy(body);
      // Follow only what we can read synchronously as text; a sync XHR cannot wait.
      this._follow = is_async && followed(url) && ["", "text", "json"].indexOf(this.responseType) >= 0;
      this._json_as_text = this._follow && this.responseType === "json";
      this._waited_s = 0;
      this._start(true);
    }

    abort() {
      if (this._timer) {  // between attempts: nothing native in flight to report the abort
        this._cancel();
        this._state = 4;
        ["readystatechange", "abort", "loadend"].forEach((t) => this._emit(t));
        this._state = 0;
        return;
      }
      const a = this._attempt;
      if (!a) return;
      a.verdict = "final";  // the abort events of this attempt are the app's final answer
      a.held = [];
      a.inner.abort();
      this._state = a.inner.readyState;
    }

    // Drops any attempt in flight or pending without telling the app (open() again).
    _cancel() {
      clearTimeout(this._timer);
      this._timer = null;
      const a = this._attempt;
      this._attempt = null;
      this._sent = false;
      if (a && a.verdict !== "gangway") { a.verdict = "gangway"; try { a.inner.abort(); } catch (e) {} }
    }

    _start(first) {
      const inner = new Native();
      const a = { inner: inner, first: first, verdict: this._follow ? null : "final", held: [] };
      this._attempt = a;
      inner.open.apply(inner, this._open_args);  // before listening: the app saw OPENED already
      this._headers.forEach((h) => inner.setRequestHeader(h[0], h[1]));
      if (this.timeout) inner.timeout = this.timeout;  // per attempt
      if (this.withCredentials) inner.withCredentials = true;
      if (this._mime && inner.overrideMimeType) inner.overrideMimeType(this._mime);
      const type = this._json_as_text ? "text" : this.responseType;
      if (type) inner.responseType = type;
      xhr_events.forEach((t) => inner.addEventListener(t, (e) => this._on_inner(a, t, e)));
      // Upload progress is forwarded for every attempt: each one really uploads the body.
      if (this._upload && inner.upload && inner.upload.addEventListener) {
        upload_events.forEach((t) => inner.upload.addEventListener(t, (e) => {
          if (this._attempt === a) this._upload._emit(t, e);
        }));
      }
      inner.send(this._body);
    }

    // Routes one native event. Answers that may be gangway's (503/409/401) are held back until
    // the body is complete and read: only then is it known whether the app may see them.
    _on_inner(a, type, event) {
      if (this._attempt !== a || a.verdict === "gangway") return;
      const inner = a.inner;
      if (a.verdict === "final") return this._forward(a, type, event, inner.readyState);
      if (type === "loadstart") return a.first ? this._emit(type, event) : undefined;
      if (inner.readyState < 2 || !expected_action[inner.status]) {
        if (inner.readyState >= 2) a.verdict = "final";
        return this._forward(a, type, event, inner.readyState);
      }
      if (inner.readyState < 4) return void a.held.push([type, event, inner.readyState]);
      let text = null;
      try { text = inner.responseText; } catch (e) { /* not readable as text */ }
      const g = instruction(inner.status, text);
      if (g && this._obey(a, g)) { a.verdict = "gangway"; a.held = []; return; }
      a.verdict = "final";
      a.held.forEach((h) => this._forward(a, h[0], h[1], h[2]));
      a.held = [];
      this._forward(a, type, event, inner.readyState);
    }

    _forward(a, type, event, state) {
      if (state >= 2) this._shown = a.inner;
      if (type === "readystatechange") this._state = state;
      this._emit(type, event);
    }

    // Acts on an instruction; false when it cannot be followed (the answer then goes to the app).
    _obey(a, g) {
      if (g.action !== "wait") return navigate(g, a.inner.getResponseHeader("Gangway-Location"));
      const s = wait_seconds(g);
      if (is_stream(this._body) || this._waited_s + s > config.wait_budget_s) return false;
      this._waited_s += s;
      announce_wait(s);
      this._timer = setTimeout(() => { this._timer = null; this._start(false); }, pause_ms(s));
      return true;
    }
  }
  ["UNSENT", "OPENED", "HEADERS_RECEIVED", "LOADING", "DONE"].forEach((name, value) => {
    GangwayXMLHttpRequest[name] = value;
    GangwayXMLHttpRequest.prototype[name] = value;
  });
  window.XMLHttpRequest = GangwayXMLHttpRequest;
})(typeof window !== "undefined" ? window : this);
