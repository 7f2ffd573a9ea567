-- wrk script of bench/run.sh.
--
-- Optional request settings from the environment (read by each wrk thread):
--   BENCH_METHOD  e.g. POST (default GET)
--   BENCH_BODY    a form-encoded body; sets Content-Type application/x-www-form-urlencoded
--   BENCH_TOKENS  a file of session tokens (JWTs or database session tokens), one a line:
--                 each request then sends "Cookie: next-auth.session-token=T", T rotating
--                 through the file: every thread walks the whole list in order, thread k of
--                 BENCH_THREADS starting k/BENCH_THREADS of the way in, so consecutive requests
--                 send different cookies and each one comes back only after all the others
--                 (the list is in random order). The server cannot serve them from a cache
--                 of recent cookies.
--   BENCH_THREADS wrk -t, to spread the threads' starting points
--   BENCH_DELAY_MS a whole number of milliseconds: each connection waits this long after an
--                 answer before sending its next request (wrk's delay() hook), which paces the
--                 load; wrk times a request from its first byte sent, so the pause is not latency
-- Other headers (the Cookie of the other rows) are given with wrk -H.
--
-- done() prints one line, "BENCH_JSON {...}", with requests/s and latency
-- percentiles in microseconds, which bench/tool report reads.
local method = os.getenv("BENCH_METHOD")
local body = os.getenv("BENCH_BODY")
local tokens_file = os.getenv("BENCH_TOKENS")
if method and method ~= "" then
  wrk.method = method
end
if body and body ~= "" then
  wrk.body = body
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end

local delay_ms = tonumber(os.getenv("BENCH_DELAY_MS") or "")
if delay_ms and delay_ms > 0 then
  delay = function()
    return delay_ms
  end
end

if tokens_file and tokens_file ~= "" then
  local tokens = {}
  for line in io.lines(tokens_file) do
    if line ~= "" then
      tokens[#tokens + 1] = "next-auth.session-token=" .. line
    end
  end
  assert(#tokens > 0, "no tokens in " .. tokens_file)
  local headers = {}
  for k, v in pairs(wrk.headers) do
    headers[k] = v
  end
  local n = #tokens
  local threads = tonumber(os.getenv("BENCH_THREADS") or "") or 1
  local pos -- index of the next token, set on this thread's first request
  request = function()
    if not pos then
      pos = math.floor((thread_index or 0) * n / threads) % n + 1
    end
    headers["Cookie"] = tokens[pos]
    pos = pos % n + 1
    return wrk.format(nil, nil, headers)
  end
end

-- setup runs once per thread, in the main Lua state, before the threads
-- start: it numbers them (thread_index in each thread's state).
local next_thread = 0
setup = function(thread)
  thread:set("thread_index", next_thread)
  next_thread = next_thread + 1
end

done = function(summary, latency, requests)
  local e = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"rps":%.3f,' ..
    '"p50_us":%.1f,"p90_us":%.1f,"p99_us":%.1f,"max_us":%.1f,"mean_us":%.1f,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}}\n',
    summary.requests, summary.duration, summary.bytes, summary.requests / seconds,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
    e.connect, e.read, e.write, e.status, e.timeout))
end
