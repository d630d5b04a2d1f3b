#!/usr/bin/env python3
"""The demo's stand-in for a customer's web app: one per site, behind that site's gateway.

Every page shows which site served it and who the gateway says is signed in (the X-Gangway-*
identity headers, with the X-Gangway-Assertion MAC checked against the site's assertion keys),
the account's projects and notes from this site's database, a logout button, and an AJAX
widget that polls /api/clock every few seconds through /_gangway/client.js (so it follows the
gateway's JSON answers: wait while the account is locked, go to the new site once it moved).
Every request is logged (JSON lines: wall-clock and monotonic time, method, path, status and the
X-Gangway-Account-Id it came with), so a test can tell which accounts reached this site and when.
POST <reset path> is where the gateway delivers forgotten-password requests: the app logs
"reset mail for <email>" instead of sending one. GET /signup is the sign-up page (proxied here
only on the sign-up site).

Python 3 standard library only; the database is read with the `mariadb` command-line client.
Usage: upstream_app.py --site NAME --port N [--host ADDR] [--log FILE] [--db-defaults FILE]
                       [--assertion-keys FILE] [--reset-path PATH]
"""
import argparse
import base64
import hashlib
import hmac
import html
import json
import re
import subprocess
import sys
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STYLE = """
body{font-family:system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;color:#1d2330}
header{display:flex;align-items:center;gap:1rem;justify-content:space-between}
.site{display:inline-block;padding:.25rem .7rem;border-radius:.4rem;color:#fff;font-weight:700}
.site-legacy{background:#8a4b08}.site-new{background:#1f6f43}
.muted{color:#5a6275}.ok{color:#1f6f43}.bad{color:#b3261e}
button{padding:.4rem .9rem;font-size:1rem;cursor:pointer}
#widget{margin-top:2rem;padding:.6rem .8rem;background:#f1f3f7;border-radius:.4rem}
"""

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · {site} · demo app</title>
<script src="/_gangway/client.js"></script>
<style>{style}</style>
</head><body data-site="{site}">
<header>
  <div><span class="site site-{site}" id="site">{site}</span>
       <span class="muted">served by site <b id="served-by">{site}</b> for <code id="path">{path}</code></span></div>
  <form method="post" action="/logout"><button id="logout" type="submit">Log out</button></form>
</header>
<h1 id="account">{account}</h1>
<p id="who">Signed in as <b id="email">{email}</b> (user {user_id}, account {account_id});
  identity assertion: <span id="assertion" class="{assertion_class}">{assertion}</span></p>
{content}
<p id="widget" data-state="starting">Widget (AJAX every 3 s): <span id="clock">…</span></p>
<script>
function show(state, text) {{
  document.getElementById('widget').dataset.state = state;
  document.getElementById('clock').textContent = text;
}}
async function tick() {{
  try {{
    const r = await fetch('/api/clock', {{headers: {{'Accept': 'application/json'}}}});
    const body = await r.json();
    show('answered', body.time + ' from site ' + body.site + ' for ' + (body.email || 'nobody'));
  }} catch (e) {{
    show('failed', 'no answer (' + e + ')');
  }}
}}
// client.js holds a request back while the gateway answers "wait" (the account is locked for a
// move) and says so with this event before each pause; the widget shows it.
window.addEventListener('gangway:wait', (e) =>
  show('waiting', 'waiting: this account is moving (next try in ' + e.detail + ' s)'));
tick(); setInterval(tick, 3000);
</script>
</body></html>
"""

SIGNUP_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign up · {site}</title><style>{style}</style></head>
<body data-site="{site}"><header><div><span class="site site-{site}" id="site">{site}</span></div></header>
<h1>Create an account</h1>
<p>New accounts are created on site <b>{site}</b>, the configured sign-up site. (The demo app
stops here; a real app would show its sign-up form.)</p>
<p><a href="/login">Sign in instead</a></p>
</body></html>
"""


class Database:
    """Reads this site's app tables through the mariadb client (no driver in the stdlib)."""

    def __init__(self, defaults_file):
        self.defaults_file = defaults_file

    def rows(self, sql):
        if not self.defaults_file:
            return []
        out = subprocess.run(["mariadb", f"--defaults-file={self.defaults_file}", "--batch",
                              "--skip-column-names", "-e", sql],
                             capture_output=True, text=True, timeout=10, check=False)
        if out.returncode != 0:
            raise RuntimeError(out.stderr.strip())
        return [line.split("\t") for line in out.stdout.splitlines()]


def load_keys(path):
    """key id -> key bytes, from a gangway key file ("<key id> <base64 key>" per line)."""
    keys = {}
    if not path:
        return keys
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 2 and not parts[0].startswith("#"):
                keys[parts[0]] = base64.b64decode(parts[1])
    return keys


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def check_assertion(value, keys, headers, max_age_s=60):
    """What docs/routing.md asks of an upstream: the MAC under the key named by kid, a recent
    ts, and fields that match the plain identity headers and X-Request-Id."""
    if not value:
        return "missing"
    signed, sep, sig = value.rpartition(";sig=")
    fields = dict(part.split("=", 1) for part in signed.split(";")[1:] if "=" in part)
    if not sep or not signed.startswith("v1;") or fields.get("kid") not in keys:
        return "unknown key or format"
    expected = hmac.new(keys[fields["kid"]], signed.encode(), hashlib.sha256).digest()
    try:
        if not hmac.compare_digest(expected, b64url_decode(sig)):
            return "bad signature"
    except ValueError:
        return "bad signature"
    if abs(time.time() - int(fields.get("ts", "0"))) > max_age_s:
        return "stale"
    email = b64url_decode(fields.get("email", "")).decode(errors="replace")
    if (fields.get("uid") != headers.get("X-Gangway-User-Id") or
            fields.get("aid") != headers.get("X-Gangway-Account-Id") or
            email != headers.get("X-Gangway-Email") or
            fields.get("rid") != headers.get("X-Request-Id")):
        return "does not match the headers"
    return "verified"


class App(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    site = "demo"
    log_file = None
    db = Database(None)
    assertion_keys = {}
    reset_path = "/password-reset/"

    # ---- plumbing ----

    def send(self, status, content_type, body, extra_headers=()):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        for name, value in extra_headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def read_body(self, limit=65536):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return body
                body += self.rfile.read(size)
                self.rfile.readline()
                if len(body) > limit:
                    raise ValueError("body too large")
        length = int(self.headers.get("Content-Length") or 0)
        if length > limit:
            raise ValueError("body too large")
        return self.rfile.read(length)

    def note(self, text):
        """An app event worth seeing on the demo's terminal (and in the log)."""
        line = f"[{self.site} app] {text}"
        print(line, file=sys.stderr, flush=True)
        if self.log_file:
            print(json.dumps({"site": self.site, "event": text}), file=self.log_file, flush=True)

    def log_message(self, fmt, *args):
        # ts: wall clock (Unix seconds); mono: CLOCK_MONOTONIC seconds, the same clock as other
        # processes' on this machine (Node's process.hrtime), for comparisons no clock step can
        # upset. Written when the answer's status line is, so before the gateway has the answer.
        line = {"ts": round(time.time(), 6), "mono": round(time.monotonic(), 6),
                "site": self.site, "method": self.command, "path": self.path.split("?")[0],
                "status": args[1] if len(args) > 1 else "",
                "account": self.headers.get("X-Gangway-Account-Id", ""),
                "request_id": self.headers.get("X-Request-Id", "")}
        print(json.dumps(line), file=self.log_file or sys.stderr, flush=True)

    # ---- identity and data ----

    def identity(self):
        account_id = self.headers.get("X-Gangway-Account-Id", "")
        return {
            "email": self.headers.get("X-Gangway-Email", ""),
            "user_id": self.headers.get("X-Gangway-User-Id", ""),
            "account_id": account_id if account_id.isdigit() else "",
        }

    def account_name(self, account_id):
        rows = self.db.rows(f"SELECT name FROM accounts WHERE id = {int(account_id)}")
        return rows[0][0] if rows else f"Account {account_id}"

    def dashboard(self, account_id):
        rows = self.db.rows("SELECT p.id, p.name, COUNT(n.id) FROM projects p LEFT JOIN notes n "
                            f"ON n.project_id = p.id WHERE p.account_id = {int(account_id)} "
                            "GROUP BY p.id, p.name ORDER BY p.id")
        items = "".join(f'<li><a href="/projects/{int(pid)}">{html.escape(name)}</a> '
                        f'<span class="muted">({count} notes)</span></li>'
                        for pid, name, count in rows)
        return f'<h2>Projects</h2><ul id="projects">{items or "<li>none yet</li>"}</ul>'

    def project(self, account_id, project_id):
        rows = self.db.rows(f"SELECT name FROM projects WHERE id = {int(project_id)} "
                            f"AND account_id = {int(account_id)}")
        if not rows:
            return None
        notes = self.db.rows("SELECT u.first_name, n.body FROM notes n JOIN auth_user u ON "
                             f"u.id = n.author_id WHERE n.project_id = {int(project_id)} ORDER BY n.id")
        items = "".join(f"<li>{html.escape(body)} <span class=\"muted\">({html.escape(who)})</span></li>"
                        for who, body in notes)
        return (f'<h2 id="project">{html.escape(rows[0][0])}</h2><ul id="notes">{items}</ul>'
                '<p><a href="/">All projects</a></p>')

    # ---- routes ----

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        path = urllib.parse.urlsplit(self.path).path
        who = self.identity()
        if path.startswith("/api/"):
            self.send(200, "application/json",
                      json.dumps({"site": self.site, "time": time.strftime("%H:%M:%S"),
                                  "email": who["email"], "account_id": who["account_id"]}))
            return
        if path == "/signup" or path.startswith("/signup/"):
            self.send(200, "text/html; charset=utf-8",
                      SIGNUP_PAGE.format(site=html.escape(self.site), style=STYLE))
            return
        if not who["account_id"]:
            self.send(403, "text/plain; charset=utf-8",
                      "No identity headers: this app only answers through its gateway.\n")
            return
        try:
            project = re.fullmatch(r"/projects/(\d{1,18})/?", path)
            content = (self.project(who["account_id"], project.group(1)) if project
                       else self.dashboard(who["account_id"]))
            account = self.account_name(who["account_id"])
        except (RuntimeError, subprocess.SubprocessError) as e:
            self.send(500, "text/plain; charset=utf-8", f"database error: {e}\n")
            return
        if content is None:
            self.send(404, "text/plain; charset=utf-8", "No such project in this account.\n")
            return
        assertion = check_assertion(self.headers.get("X-Gangway-Assertion", ""),
                                    self.assertion_keys, self.headers)
        self.send(200, "text/html; charset=utf-8", PAGE.format(
            title=html.escape(account), site=html.escape(self.site), style=STYLE,
            path=html.escape(self.path), account=html.escape(account),
            email=html.escape(who["email"]), user_id=html.escape(who["user_id"]),
            account_id=html.escape(who["account_id"]), assertion=html.escape(assertion),
            assertion_class="ok" if assertion == "verified" else "bad", content=content))

    def do_POST(self):
        path = urllib.parse.urlsplit(self.path).path
        try:
            body = self.read_body()
        except ValueError:
            self.send(413, "text/plain", "too large\n", [("Connection", "close")])
            self.close_connection = True
            return
        if path == self.reset_path:
            email = urllib.parse.parse_qs(body.decode(errors="replace")).get("email", [""])[0]
            verdict = check_assertion(self.headers.get("X-Gangway-Assertion", ""),
                                      self.assertion_keys, self.headers)
            self.note(f"reset mail for {email} (identity assertion: {verdict})")
            self.send(200, "text/plain", "ok\n")
            return
        self.send(405, "text/plain", "method not allowed\n", [("Allow", "GET, HEAD")])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--site", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (docker/compose.yaml: 0.0.0.0, inside its network)")
    parser.add_argument("--log", help="request log (JSON lines); default stderr")
    parser.add_argument("--db-defaults", help="mariadb client option file of this site's database")
    parser.add_argument("--assertion-keys", help="the gateway's session.assertion_keys_file")
    parser.add_argument("--reset-path", default="/password-reset/", help="the gateway's login.reset_path")
    args = parser.parse_args()
    App.site = args.site
    App.log_file = open(args.log, "a") if args.log else None
    App.db = Database(args.db_defaults)
    App.assertion_keys = load_keys(args.assertion_keys)
    App.reset_path = args.reset_path
    server = ThreadingHTTPServer((args.host, args.port), App)
    server.daemon_threads = True
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
