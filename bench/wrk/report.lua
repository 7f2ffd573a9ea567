-- wrk script of bench/run.sh.
--
-- Optional request settings from the environment (read by each wrk thread):
--   BENCH_METHOD  e.g. POST (default GET)
--   BENCH_BODY    a form-encoded body; sets Content-Type application/x-www-form-urlencoded
--   BENCH_TOKENS  a file of database session tokens, one a line: each request then sends
--                 "Cookie: next-auth.session-token=T" for a T picked at random from the file
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
  request = function()
    headers["Cookie"] = tokens[math.random(n)]
    return wrk.format(nil, nil, headers)
  end
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
