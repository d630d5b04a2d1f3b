/* gangway client.js: makes an unchanged AJAX app follow gangway's JSON answers.
 *   {"gangway":{"action":"wait","retry_after":N}}      (503)  retry the same request later
 *   {"gangway":{"action":"redirect","location":URL}}   (409)  go to this page on URL's origin
 *   {"gangway":{"action":"login","location":URL}}      (401)  go to the login page, next = here
 * Include once: <script src="/_gangway/client.js"></script>. Other answers pass through. */
(function (window) {
  "use strict";
  if (window.GangwayClient) return;
  var config = { wait_budget_s: 900, delay_scale: 1, origins: [] };
  window.GangwayClient = { version: 1, config: config };

  function intercepted(url) {
    try {
      var origin = new URL(url, window.location.href).origin;
      return origin === window.location.origin || config.origins.indexOf(origin) >= 0;
    } catch (e) { return false; }
  }

  // The gangway instruction in an answer, or null. `text` is the body already read.
  function instruction(status, text) {
    if (status !== 503 && status !== 409 && status !== 401) return null;
    try {
      var g = JSON.parse(text).gangway;
      return g && typeof g.action === "string" ? g : null;
    } catch (e) { return null; }
  }

  function delay_ms(g) {
    var s = Math.min(60, Math.max(1, Number(g.retry_after) || 5));
    return s * 1000 * config.delay_scale;
  }

  // Leaves the page for a redirect or login answer; true when it did.
  function navigate(g) {
    var here = window.location;
    if (g.action === "redirect" && g.location) {
      var to = new URL(g.location, here.href);
      here.assign(to.origin + here.pathname + here.search + here.hash);
      return true;
    }
    if (g.action === "login" && g.location) {
      var login = new URL(g.location, here.href);
      if (login.origin === here.origin) login.searchParams.set("next", here.pathname + here.search);
      here.assign(login.href);
      return true;
    }
    return false;
  }

  function signal_wait(g) {
    try { window.dispatchEvent(new window.CustomEvent("gangway:wait", { detail: g.retry_after })); }
    catch (e) { /* an old browser without CustomEvent: no banner */ }
  }

  // ---- fetch ----
  var original_fetch = window.fetch;
  if (original_fetch) {
    window.fetch = function (input, init) {
      var url = typeof input === "string" ? input : (input && input.url) || String(input);
      if (!intercepted(url)) return original_fetch.apply(this, arguments);
      var self = this;
      var spent = 0;
      // A Request or stream body can be read once: keep a clone per attempt.
      var replayable = !(init && init.body && typeof init.body.getReader === "function");
      var base = typeof input === "string" ? input : input.clone ? input.clone() : input;
      function attempt() {
        var req = typeof base === "string" ? base : base.clone ? base.clone() : base;
        return original_fetch.call(self, req, init).then(function (res) {
          if (res.status !== 503 && res.status !== 409 && res.status !== 401) return res;
          return res.clone().text().then(function (text) {
            var g = instruction(res.status, text);
            if (!g) return res;
            if (g.action === "wait" && replayable && spent + delay_ms(g) <= config.wait_budget_s * 1000 * config.delay_scale) {
              spent += delay_ms(g);
              signal_wait(g);
              return new Promise(function (resolve) { setTimeout(resolve, delay_ms(g)); }).then(attempt);
            }
            if (navigate(g)) return new Promise(function () {});  // the page is going away
            return res;
          });
        });
      }
      return attempt();
    };
  }

  // ---- XMLHttpRequest: a wrapper that shows the app only the final attempt ----
  var Native = window.XMLHttpRequest;
  if (!Native) return;
  var events = ["readystatechange", "load", "error", "abort", "timeout", "loadend", "loadstart", "progress"];

  function GangwayXHR() {
    this._listeners = {};
    this._headers = [];
    this._open = null;
    this._spent = 0;
    this._inner = null;
    this.responseType = "";
    this.timeout = 0;
    this.withCredentials = false;
    this.readyState = 0;
    var self = this;
    events.forEach(function (type) { self["on" + type] = null; });
  }
  ["UNSENT", "OPENED", "HEADERS_RECEIVED", "LOADING", "DONE"].forEach(function (n, i) {
    GangwayXHR[n] = i;
    GangwayXHR.prototype[n] = i;
  });
  ["status", "statusText", "response", "responseText", "responseURL", "responseXML"].forEach(function (name) {
    Object.defineProperty(GangwayXHR.prototype, name, {
      get: function () { return this._inner ? this._inner[name] : (name === "status" ? 0 : ""); }
    });
  });
  Object.defineProperty(GangwayXHR.prototype, "upload", {
    get: function () { return (this._inner || (this._inner = new Native())).upload; }
  });
  GangwayXHR.prototype.open = function (method, url, async, user, password) {
    this._open = [method, url, async !== false, user, password];
    this.readyState = 1;
  };
  GangwayXHR.prototype.setRequestHeader = function (name, value) { this._headers.push([name, value]); };
  GangwayXHR.prototype.getResponseHeader = function (n) { return this._inner ? this._inner.getResponseHeader(n) : null; };
  GangwayXHR.prototype.getAllResponseHeaders = function () { return this._inner ? this._inner.getAllResponseHeaders() : ""; };
  GangwayXHR.prototype.overrideMimeType = function (m) { this._mime = m; };
  GangwayXHR.prototype.abort = function () { this._aborted = true; if (this._inner) this._inner.abort(); };
  GangwayXHR.prototype.addEventListener = function (type, fn) {
    (this._listeners[type] = this._listeners[type] || []).push(fn);
  };
  GangwayXHR.prototype.removeEventListener = function (type, fn) {
    var list = this._listeners[type] || [];
    var at = list.indexOf(fn);
    if (at >= 0) list.splice(at, 1);
  };
  GangwayXHR.prototype._emit = function (type, source) {
    var event = { type: type, target: this, currentTarget: this,
                  loaded: source && source.loaded, total: source && source.total };
    if (typeof this["on" + type] === "function") this["on" + type](event);
    (this._listeners[type] || []).slice().forEach(function (fn) { fn.call(this, event); }, this);
  };
  GangwayXHR.prototype.send = function (body) {
    var self = this;
    var inner = self._inner && self._inner.readyState === 0 ? self._inner : new Native();
    self._inner = inner;
    inner.open.apply(inner, self._open);
    self._headers.forEach(function (h) { inner.setRequestHeader(h[0], h[1]); });
    inner.timeout = self.timeout;
    inner.withCredentials = self.withCredentials;
    if (self._mime && inner.overrideMimeType) inner.overrideMimeType(self._mime);
    // The gangway JSON must be readable, so the app's responseType applies only to the final
    // answer: intercepted attempts read text first when the type is "" or "text".
    inner.responseType = self.responseType;
    var watch = intercepted(self._open[1]) && (self.responseType === "" || self.responseType === "text");
    events.forEach(function (type) {
      inner.addEventListener(type, function (e) {
        if (watch && inner.readyState === 4 && type !== "abort") {
          var g = instruction(inner.status, inner.responseText);
          if (g && type === "readystatechange") return self._follow(g, body);
          if (g) return;  // load/loadend of an intercepted attempt
        }
        if (type === "readystatechange") self.readyState = inner.readyState;
        if (watch && inner.readyState < 4 && type === "readystatechange" && inner.readyState > 1) {
          // Hold back HEADERS_RECEIVED/LOADING until we know the answer is not gangway's.
          if (inner.status === 503 || inner.status === 409 || inner.status === 401) return;
        }
        self._emit(type, e);
      });
    });
    inner.send(body);
  };
  GangwayXHR.prototype._follow = function (g, body) {
    var self = this;
    if (g.action === "wait" && self._spent + delay_ms(g) <= config.wait_budget_s * 1000 * config.delay_scale) {
      self._spent += delay_ms(g);
      signal_wait(g);
      setTimeout(function () { if (!self._aborted) { self._inner = null; self.send(body); } }, delay_ms(g));
      return;
    }
    if (navigate(g)) return;  // leave the XHR pending: the page is going away
    self.readyState = 4;
    ["readystatechange", "load", "loadend"].forEach(function (t) { self._emit(t, null); });
  };
  window.XMLHttpRequest = GangwayXHR;
})(typeof window !== "undefined" ? window : this);
