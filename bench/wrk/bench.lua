-- wrk script shared by every Switchboard bench workload.
--
--   BENCH_METHOD=POST  -> submit: POST <url> with body "SELECT 1" (a Trino /v1/statement submission)
--   BENCH_METHOD=GET   -> follow-up poll: GET <url> (default)
--
-- done() prints one machine-readable "BENCH ..." line that bench/run.sh parses.
-- Latencies come from wrk's HdrHistogram-like recorder and are in microseconds.

local method = os.getenv("BENCH_METHOD") or "GET"

wrk.method = method
wrk.headers["X-Trino-User"] = "bench"
wrk.headers["X-Trino-Source"] = "switchboard-bench"
if method == "POST" then
  wrk.body = "SELECT 1"
  wrk.headers["Content-Type"] = "text/plain; charset=utf-8"
end

local function us(v)
  return math.floor(v + 0.5)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d bytes=%d mean_us=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d " ..
    "non2xx=%d connect=%d read=%d write=%d timeout=%d\n",
    summary.requests, summary.duration, summary.bytes,
    us(latency.mean), us(latency:percentile(50)), us(latency:percentile(90)),
    us(latency:percentile(99)), us(latency.max),
    e.status, e.connect, e.read, e.write, e.timeout))
end
