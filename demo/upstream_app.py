#!/usr/bin/env python3
"""The demo's stand-in for a customer's web app: one per site, behind that site's gateway.

Shows which site served the page and which identity the gateway asserted (the X-Gangway-*
headers), and has an AJAX widget that polls /api/clock every few seconds. Standard library
only. Usage: upstream_app.py --site NAME --port N [--log FILE]
"""
import argparse
import html
import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{site} · demo app</title>
<style>body{{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto}}
.site{{display:inline-block;padding:.2rem .6rem;border-radius:.4rem;background:#234;color:#fff}}</style>
</head><body>
<h1>Dashboard <span class="site" id="site">{site}</span></h1>
<p>Served by site <b>{site}</b> for path <code>{path}</code>.</p>
<p id="who">Signed in as: {who}</p>
<p>Widget (AJAX, every 3 s): <span id="clock">…</span></p>
<script>
async function tick() {{
  const r = await fetch('/api/clock', {{headers: {{'Accept': 'application/json'}}}});
  const body = await r.json();
  document.getElementById('clock').textContent = body.site + ' ' + body.time;
}}
tick(); setInterval(tick, 3000);
</script>
</body></html>
"""


class App(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    site = "demo"
    log_file = None

    def identity(self):
        user = self.headers.get("X-Gangway-Email") or self.headers.get("X-Gangway-User-Id")
        return user or "(no identity header: the routing issue adds sessions)"

    def send(self, status, content_type, body):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path.startswith("/api/clock"):
            self.send(200, "application/json",
                      json.dumps({"site": self.site, "time": time.strftime("%H:%M:%S")}))
            return
        self.send(200, "text/html; charset=utf-8",
                  PAGE.format(site=html.escape(self.site), path=html.escape(self.path),
                              who=html.escape(self.identity())))

    def log_message(self, fmt, *args):
        line = {"site": self.site, "path": self.path.split("?")[0],
                "account": self.headers.get("X-Gangway-Account-Id", ""),
                "request_id": self.headers.get("X-Request-Id", "")}
        print(json.dumps(line), file=self.log_file or sys.stderr, flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--site", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log")
    args = parser.parse_args()
    App.site = args.site
    App.log_file = open(args.log, "a") if args.log else None
    server = ThreadingHTTPServer(("127.0.0.1", args.port), App)
    server.serve_forever()


if __name__ == "__main__":
    main()
