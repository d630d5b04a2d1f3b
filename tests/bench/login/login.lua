-- wrk script for tests/bench/login.sh: POSTs the login form of one user again and again.
-- The form (body), the pre-login cookie and the site's origin come from the environment:
--   LOGIN_BODY  csrf=...&state=...&email=...&password=...   (already form-encoded)
--   LOGIN_COOKIE, LOGIN_ORIGIN, LOGIN_HOST
-- wrk counts only 4xx/5xx as errors; a failed login is a 200 (the form again), so every
-- answer other than 303 is counted here and reported by done().
wrk.method = "POST"
wrk.body = os.getenv("LOGIN_BODY")
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = os.getenv("LOGIN_COOKIE")
wrk.headers["Origin"] = os.getenv("LOGIN_ORIGIN")
wrk.headers["Host"] = os.getenv("LOGIN_HOST")
wrk.headers["User-Agent"] = "gangway-login-bench"

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  answers = 0
  not_303 = 0
  statuses = {}
end

function response(status, headers, body)
  answers = answers + 1
  if status ~= 303 then
    not_303 = not_303 + 1
    statuses[status] = (statuses[status] or 0) + 1
  end
end

function done(summary, latency, requests)
  local total, bad, seen = 0, 0, {}
  for _, t in ipairs(threads) do
    total = total + t:get("answers")
    bad = bad + t:get("not_303")
    for status, n in pairs(t:get("statuses")) do seen[status] = (seen[status] or 0) + n end
  end
  local list = ""
  for status, n in pairs(seen) do list = list .. " " .. status .. "x" .. n end
  io.write(string.format("login-bench: answers %d not_303 %d%s\n", total, bad, list))
end
