// PRODUCT.md's user journeys in real Chromium (Debian's `chromium`, driven by playwright-core),
// against the two-site demo (scripts/demo.sh --background): real TLS, real gateways, real
// MariaDB servers, the demo app on each site. tests/browser/README.md says how to run it and
// why TLS is set up the way it is.
//
// Environment:
//   GANGWAY_BINARY             the gangway binary (default: <repo>/build/gangway)
//   GANGWAY_BROWSER_ARTIFACTS  where screenshots go, one directory per journey
//                              (default: <repo>/build/browser-artifacts)
//   GANGWAY_CHROMIUM           the Chromium executable (default: Debian's /usr/lib/chromium/chromium)
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash, X509Certificate } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const gangway = process.env.GANGWAY_BINARY || path.join(repo, "build", "gangway");
const artifacts = process.env.GANGWAY_BROWSER_ARTIFACTS || path.join(repo, "build", "browser-artifacts");
const chromiumPath = process.env.GANGWAY_CHROMIUM ||
  ["/usr/lib/chromium/chromium", "/usr/bin/chromium"].find((p) => fs.existsSync(p));

// The demo's people (demo/seed_*.sql) these journeys use.
const ada = { email: "ada@acme.example", password: "ada-password", account: "Acme Ltd" };          // legacy
const ben = { email: "ben@bluebird.example", password: "ben-password" };                          // legacy
const cleo = { email: "cleo@cobalt.example", password: "cleo-password", account: "Cobalt Studio" }; // moved
const dan = { email: "dan@dunlin.example", password: "dan-password", account: "Dunlin Dental" };   // moved, unknown on legacy
const eve = { email: "eve@egret.example", password: "eve-password", account: "Egret Logistics",      // legacy, ready to move
              accountId: "5" };
const failedMessage = "That email and password do not match an account.";
const limitedMessage = "Too many sign-in attempts. Wait a minute, then try again.";
const resetMessage = "If an account uses that email, a link to reset its password is on its way.";
const demoEmailBurst = 5;  // login.email_burst in demo/run.sh

let demo;     // { process, exited (promise of exit status), ready (the ready file's JSON) }
let browser;

// ---- helpers ------------------------------------------------------------------------------

// Polls `condition` (which may be async) until it returns something truthy; fails after `ms`.
async function until(what, condition, ms = 15000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// Base64 SHA-256 of a certificate's SubjectPublicKeyInfo: what Chromium's
// --ignore-certificate-errors-spki-list names.
function spkiHash(certFile) {
  const spki = new X509Certificate(fs.readFileSync(certFile)).publicKey.export({ type: "spki", format: "der" });
  return createHash("sha256").update(spki).digest("base64");
}

async function startDemo() {
  fs.mkdirSync(artifacts, { recursive: true });
  const readyFile = path.join(artifacts, "demo-ready.json");
  const log = fs.createWriteStream(path.join(artifacts, "demo.log"));
  fs.rmSync(readyFile, { force: true });
  const env = {
    ...process.env,
    GANGWAY_BINARY: gangway,
    GANGWAY_DEMO_LEGACY_PORT: String(await freePort()),
    GANGWAY_DEMO_NEW_PORT: String(await freePort()),
  };
  // stdin stays a pipe: should this process die without stopping the demo, the demo sees its
  // standard input close and stops by itself.
  const child = spawn("bash", [path.join(repo, "scripts/demo.sh"), "--background", readyFile],
                      { env, stdio: ["pipe", "pipe", "pipe"] });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve(code ?? signal)));
  let status;
  exited.then((s) => { status = s; });
  await until("the demo's ready file", () => {
    if (status !== undefined) throw new Error(`the demo exited (${status}) before it was ready; see ${log.path}`);
    return fs.existsSync(readyFile);
  }, 180000);
  return { process: child, exited, ready: JSON.parse(fs.readFileSync(readyFile, "utf8")) };
}

async function stopDemo() {
  if (!demo || demo.process.exitCode !== null || demo.process.signalCode !== null) return demo?.exited;
  demo.process.kill("SIGTERM");
  const timer = setTimeout(() => demo.process.kill("SIGKILL"), 60000);
  const status = await demo.exited;
  clearTimeout(timer);
  return status;
}

// Processes whose command line names the demo's run directory (its MariaDB servers, gateways,
// apps).
function processesUnder(dir) {
  const found = [];
  for (const pid of fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
      if (cmdline.includes(dir)) found.push(`${pid}: ${cmdline}`);
    } catch { /* gone meanwhile */ }
  }
  return found;
}

const site = (name) => demo.ready.sites[name];
const origin = (name) => site(name).origin;

// Runs one journey in a fresh browser context (its own cookies) and saves a screenshot per
// step under <artifacts>/<name>/, plus failure.png when it fails.
async function journey(name, steps) {
  const dir = path.join(artifacts, name);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  let step = 0;
  const shot = (label) => page.screenshot({ path: path.join(dir, `${String(++step).padStart(2, "0")}-${label}.png`),
                                            fullPage: true });
  try {
    await steps({ page, shot, errors, dir });
  } catch (e) {
    await page.screenshot({ path: path.join(dir, "failure.png"), fullPage: true }).catch(() => {});
    throw e;
  } finally {
    await context.close();
  }
}

// Fills and submits the login form the page shows; the answer to the POST.
async function submitLogin(page, who, password = who.password) {
  await page.fill("#email", who.email);
  await page.fill("#password", password);
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname === "/login"),
    page.click("button[type=submit]"),
  ]);
  await page.waitForLoadState();
  return response;
}

const text = (page, selector) => page.locator(selector).innerText();

// CLOCK_MONOTONIC in seconds: libuv's hrtime and Python's time.monotonic() (the demo app's log
// field "mono") read the same system-wide clock on Linux, so the two compare directly, and no
// step of the wall clock can upset the comparison.
const monotonicSeconds = () => Number(process.hrtime.bigint()) / 1e9;

// Runs a command to the end; resolves with its exit status, output, and the monotonic time at
// which it exited (taken on "exit", before its output is drained).
function runCommand(file, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: repo, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "", stderr = "", exitedAt;
    child.stdout.on("data", (d) => { stdout += d; });
    child.stderr.on("data", (d) => { stderr += d; });
    child.on("error", reject);
    child.on("exit", () => { exitedAt = monotonicSeconds(); });
    child.on("close", (code, signal) => resolve({ status: code ?? signal, stdout, stderr, exitedAt }));
  });
}

// What ops run to move an account from legacy to new by hand, as scripts/demo.sh prints it.
// Every step must succeed; each one's command and output go to `log`.
function movingOps(log) {
  const step = async (what, file, args) => {
    const r = await runCommand(file, args);
    fs.appendFileSync(log, `$ ${[file, ...args].join(" ")}\n${r.stdout}${r.stderr}(exit ${r.status})\n\n`);
    assert.equal(r.status, 0, `${what} failed (exit ${r.status}): ${r.stderr}${r.stdout}`);
    return r;
  };
  const accounts = (siteName, ...args) =>
    step(`gangway accounts ${args[0]} on ${siteName}`, demo.ready.gangway,
         ["accounts", args[0], "--config", site(siteName).config, ...args.slice(1), "--by", "browser-journey-c"]);
  return {
    // Returns only once the fence holds: every legacy gateway applied the lock and has no
    // request of the account in flight.
    lock: (id) => accounts("legacy", "lock", id, "--reason", "browser journey c: move to new"),
    // The mover, under that lock: pre-flight, copy, verify, then both placements flipped.
    migrate: (id) => step("gangway migrate --to new", demo.ready.gangway,
                          ["migrate", "--config", site("legacy").config, "--schema",
                           path.join(repo, "demo/schema.toml"), "--to", "new", id,
                           "--by", "browser-journey-c"]),
  };
}

// The demo app's request log (demo/upstream_app.py), one JSON object per line.
const appLog = (siteName) => fs.readFileSync(site(siteName).app_log, "utf8").split("\n")
  .filter((line) => line.startsWith("{")).map((line) => JSON.parse(line));

// Records every main-frame navigation answer (redirects included) of a page, with the body of
// each 4xx/5xx (read at once, while the browser still has it).
function recordNavigations(page) {
  const answers = [];
  page.on("response", (r) => {
    const request = r.request();
    if (!request.isNavigationRequest() || request.frame() !== page.mainFrame()) return;
    answers.push({ url: r.url(), status: r.status(), headers: r.headers(),
                   body: r.status() >= 400 ? r.text().catch((e) => `(body unavailable: ${e.message})`) : null });
  });
  return answers;
}
const lockPageHeading = "Your account is moving to its new home";

// ---- the journeys -------------------------------------------------------------------------

before(async () => {
  assert.ok(chromiumPath, "no Chromium found (apt-get install chromium, or set GANGWAY_CHROMIUM)");
  assert.ok(fs.existsSync(gangway), `no gangway binary at ${gangway} (set GANGWAY_BINARY)`);
  demo = await startDemo();
  // Trust exactly the two sites' dev certificates, nothing else (README.md here says why).
  const spki = Object.values(demo.ready.sites).map((s) => spkiHash(s.cert_file));
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: [`--ignore-certificate-errors-spki-list=${spki.join(",")}`],
  });
});

after(async () => {
  await browser?.close();
  await stopDemo();
});

test("a: a legacy user signs in at the shared origin and uses the legacy app", { timeout: 120000 },
  () => journey("a-legacy-user", async ({ page, shot, errors }) => {
    await page.goto(`${origin("legacy")}/login`);
    await shot("login-form");
    await submitLogin(page, ada);
    assert.equal(new URL(page.url()).origin, origin("legacy"));
    assert.equal(await text(page, "#site"), "legacy");
    assert.equal(await text(page, "#email"), ada.email);
    assert.equal(await text(page, "#account"), ada.account);
    assert.equal(await text(page, "#assertion"), "verified", "the app checks the gateway's signed assertion");
    // The AJAX widget answers through the gateway with the same identity.
    await until("the widget's first answer", async () => (await text(page, "#clock")).includes(`for ${ada.email}`));
    assert.match(await text(page, "#clock"), /from site legacy/);
    await shot("legacy-dashboard");
    assert.deepEqual(errors, [], "no script errors on the page");

    await Promise.all([page.waitForURL((u) => u.pathname === "/login"), page.click("#logout")]);
    await shot("logged-out");
    await page.goto(`${origin("legacy")}/`);
    assert.equal(new URL(page.url()).pathname, "/login", "after logout the app asks to sign in again");
  }));

test("b: a moved user signs in at the shared origin and lands on the new site at the page asked for",
  { timeout: 120000 }, () => journey("b-moved-user", async ({ page, shot }) => {
    const deepLink = "/projects/301?tab=notes";
    await page.goto(`${origin("legacy")}${deepLink}`);
    const login = new URL(page.url());
    assert.equal(login.origin, origin("legacy"));
    assert.equal(login.pathname, "/login");
    assert.equal(login.searchParams.get("next"), deepLink);
    await shot("sent-to-login");

    const answer = await submitLogin(page, cleo);
    assert.equal(answer.status(), 303);
    assert.match(answer.headers().location, new RegExp(`^${origin("new")}/_gangway/handoff\\?token=`));
    assert.equal(page.url(), `${origin("new")}${deepLink}`);
    assert.equal(await text(page, "#site"), "new");
    assert.equal(await text(page, "#email"), cleo.email);
    assert.equal(await text(page, "#project"), "Brand refresh");
    assert.equal(await text(page, "#path"), deepLink);
    await until("the widget's first answer", async () => (await text(page, "#clock")).includes("from site new"));
    await shot("new-site-at-deep-link");

    // The shared origin set no session of its own; the user is signed in on new only.
    const cookies = await page.context().cookies(origin("legacy"));
    assert.ok(!cookies.some((c) => c.name === "__Host-gangway"), "no legacy session cookie");

    // An account legacy no longer knows at all (its rows cleaned up) is found by asking new.
    await page.goto(`${origin("legacy")}/login`);
    await submitLogin(page, dan);
    assert.equal(page.url(), `${origin("new")}/`);
    assert.equal(await text(page, "#account"), dan.account);
    await shot("unknown-on-legacy-lands-on-new");
  }));

test("c: a user is moved while using the app (lock page, then the new site, still signed in)",
  { timeout: 120000 }, () => journey("c-live-move", async ({ page, shot, errors, dir }) => {
    const navigations = recordNavigations(page);
    const ops = movingOps(path.join(dir, "ops.log"));
    const id = eve.accountId;

    // eve signs in at the shared origin and keeps the dashboard open; its widget polls.
    await page.goto(`${origin("legacy")}/login`);
    await submitLogin(page, eve);
    assert.equal(page.url(), `${origin("legacy")}/`);
    assert.equal(await text(page, "#served-by"), "legacy");
    assert.equal(await text(page, "#email"), eve.email);
    assert.equal(await text(page, "#account"), eve.account);
    await until("the widget's first answer", async () => (await text(page, "#clock")).includes(`from site legacy for ${eve.email}`));
    await until("the legacy app to log the account's requests", () => appLog("legacy").some((l) => l.account === id));
    await shot("legacy-dashboard");

    // Ops lock the account. From now on no request of it may reach legacy's app.
    const firstWait = page.waitForResponse((r) => new URL(r.url()).pathname === "/api/clock" && r.status() === 503,
                                           { timeout: 20000 });
    const beforeLock = navigations.length;
    const lock = await ops.lock(id);
    const lockHeldAt = lock.exitedAt;

    // The widget's next AJAX call gets the JSON wait; client.js holds it back and says so, and
    // the widget shows it is waiting.
    const waitAnswer = await firstWait;
    assert.equal(waitAnswer.headers()["retry-after"], "2");  // placement.lock_retry_after_s in demo/run.sh
    assert.equal((await waitAnswer.json()).gangway.action, "wait");
    await page.waitForSelector("#widget[data-state=waiting]", { timeout: 20000 });
    assert.match(await text(page, "#clock"), /^waiting: this account is moving/);
    await shot("widget-waiting");

    // The next navigation meets the lock page.
    const lockAnswer = await page.reload();
    assert.equal(lockAnswer.status(), 503);
    assert.ok(lockAnswer.headers()["retry-after"], "the lock page says when to retry");
    assert.equal(page.url(), `${origin("legacy")}/`, "the lock page is the page asked for");
    assert.equal(await text(page, "h1"), lockPageHeading);
    await shot("lock-page");

    // Ops move the account: `gangway migrate` copies and verifies its rows, activates it on new
    // and marks it moved on legacy.
    const moved = await ops.migrate(id);
    assert.match(moved.stdout, /moved from legacy to new/);

    // Untouched by the test, the lock page notices and reloads; legacy hands the session over
    // to new, which shows the same page, signed in.
    await page.waitForURL((u) => u.origin === origin("new") && u.pathname === "/", { timeout: 30000 });
    await page.waitForSelector("#served-by", { timeout: 15000 });
    assert.equal(await text(page, "#served-by"), "new");
    assert.equal(await text(page, "#site"), "new");
    assert.equal(await text(page, "#email"), eve.email);
    assert.equal(await text(page, "#account"), eve.account);
    assert.equal(await text(page, "#assertion"), "verified");
    await until("the widget's first answer on new", async () => (await text(page, "#clock")).includes(`from site new for ${eve.email}`));
    await shot("new-site");
    assert.deepEqual(errors, [], "no script errors on the pages");

    // No error page: every page the browser was shown is a 2xx/3xx, or the lock page.
    const shown = [];
    for (const n of navigations) {
      const body = await n.body;
      const isLockPage = n.status === 503 && body.includes(lockPageHeading);
      const url = n.url.replace(/([?&]token=)[^&]*/, "$1[redacted]");  // as gangway's access log has it
      shown.push(`${n.status} ${url}${isLockPage ? " (lock page)" : ""}`);
      assert.ok(n.status < 400 || isLockPage, `an error page was shown: ${n.status} ${url}\n${body}`);
    }
    fs.writeFileSync(path.join(dir, "navigations.txt"), shown.join("\n") + "\n");
    const paths = navigations.map((n) => new URL(n.url));
    assert.equal(navigations.filter((n) => n.status === 503).length, 1, `one lock page:\n${shown.join("\n")}`);
    assert.ok(paths.some((u) => u.origin === origin("legacy") && u.pathname === "/_gangway/transfer"),
              `the session was handed over through legacy's /_gangway/transfer:\n${shown.join("\n")}`);
    assert.ok(paths.some((u) => u.origin === origin("new") && u.pathname === "/_gangway/handoff"),
              `and redeemed on new:\n${shown.join("\n")}`);
    assert.ok(!paths.slice(beforeLock).some((u) => u.pathname === "/login"),
              `not asked to sign in again:\n${shown.join("\n")}`);

    // Legacy's app saw the account before the lock and never after the fence held.
    const legacyLines = appLog("legacy").filter((l) => l.account === id);
    fs.writeFileSync(path.join(dir, "legacy-app-log.txt"),
                     `accounts lock returned at mono ${lockHeldAt}; legacy app's lines of account ${id}:\n` +
                     legacyLines.map((l) => JSON.stringify(l)).join("\n") + "\n");
    assert.ok(legacyLines.some((l) => l.mono < lockHeldAt), "legacy's app served the account before the lock");
    const late = legacyLines.filter((l) => l.mono >= lockHeldAt);
    assert.deepEqual(late, [], `legacy's app got requests of account ${id} after the lock held (at ${lockHeldAt})`);
    assert.ok(appLog("new").some((l) => l.account === id && l.path === "/"), "new's app served the dashboard");
  }));

test("d: the forgotten-password form answers the same for a real and an unknown email",
  { timeout: 120000 }, () => journey("d-forgotten-password", async ({ page, shot }) => {
    const unknown = `nobody-${Date.now()}@example.com`;
    const answers = [];
    for (const [label, email] of [["real", cleo.email], ["unknown", unknown]]) {
      await page.goto(`${origin("legacy")}/login`);
      await Promise.all([page.waitForURL((u) => u.pathname === "/forgot-password"),
                         page.click("text=Forgot your password?")]);
      await page.fill("#email", email);
      await shot(`form-${label}-email`);
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname === "/forgot-password"),
        page.click("button[type=submit]"),
      ]);
      await page.waitForLoadState();
      await shot(`answer-${label}-email`);
      answers.push({ status: response.status(), message: await text(page, "[role=status]"),
                     page: await text(page, "main") });
    }
    assert.equal(answers[0].status, 200);
    assert.equal(answers[0].message, resetMessage);
    assert.deepEqual(answers[1], answers[0], "the same answer whether or not the email exists");

    // Behind the answer: cleo lives on new, so new's app is asked to send her the mail.
    const newLog = site("new").app_log;
    await until("new's app to get cleo's reset", () =>
      fs.readFileSync(newLog, "utf8").includes(`reset mail for ${cleo.email} (identity assertion: verified)`));
    for (const s of ["legacy", "new"])
      assert.ok(!fs.readFileSync(site(s).app_log, "utf8").includes(unknown), `no reset for the unknown email on ${s}`);
  }));

test("e: a wrong password gets the generic error, too many get the rate-limit answer",
  { timeout: 120000 }, () => journey("e-wrong-password", async ({ page, shot }) => {
    await page.goto(`${origin("legacy")}/login`);
    let answer = await submitLogin(page, { email: `nobody-${Date.now()}@example.com` }, "whatever-1");
    assert.equal(answer.status(), 200);
    assert.equal(await text(page, "[role=alert]"), failedMessage);
    await shot("unknown-email");

    answer = await submitLogin(page, ben, "wrong-password-1");
    assert.equal(answer.status(), 200);
    assert.equal(await text(page, "[role=alert]"), failedMessage, "the same sentence as for an unknown email");
    assert.equal(new URL(page.url()).origin, origin("legacy"));
    await shot("wrong-password");

    let tries = 1;
    while (answer.status() !== 429) {
      assert.ok(tries <= demoEmailBurst, `still no rate limit after ${tries} wrong passwords`);
      answer = await submitLogin(page, ben, `wrong-password-${++tries}`);
    }
    assert.equal(tries, demoEmailBurst + 1, "limited once the email's burst is spent");
    assert.equal(answer.headers()["retry-after"], "60");
    assert.equal(await text(page, "[role=alert]"), limitedMessage);
    await shot("rate-limited");

    // While limited, even the right password is refused: the guesser learns nothing.
    answer = await submitLogin(page, ben);
    assert.equal(answer.status(), 429);
    await shot("right-password-while-limited");
  }));

test("the demo stops on SIGTERM and leaves nothing behind", { timeout: 120000 }, async () => {
  await browser.close();
  browser = undefined;
  const runDir = demo.ready.run_dir;
  assert.equal(await stopDemo(), 0);
  assert.ok(!fs.existsSync(runDir), `${runDir} removed`);
  assert.deepEqual(processesUnder(runDir), []);
});
