-- wrk script: replay a mix of tile and API paths (one per line in $LOAD_PATHS),
-- and count responses by status class so failures are explicit.
local paths = {}
local counter = 0
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(os.getenv("LOAD_PATHS")) do
    if #line > 0 then table.insert(paths, line) end
  end
  counter = math.random(#paths)
  s2xx, s3xx, s4xx, s5xx = 0, 0, 0, 0
end

function request()
  counter = counter % #paths + 1
  return wrk.format("GET", paths[counter], { ["Accept-Encoding"] = "gzip" })
end

function response(status, headers, body)
  if status < 300 then s2xx = s2xx + 1
  elseif status < 400 then s3xx = s3xx + 1
  elseif status < 500 then s4xx = s4xx + 1
  else s5xx = s5xx + 1 end
end

function done(summary, latency, requests)
  local a, b, c, d = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    a = a + t:get("s2xx"); b = b + t:get("s3xx"); c = c + t:get("s4xx"); d = d + t:get("s5xx")
  end
  io.write(string.format("RESULT requests=%d errors_connect=%d errors_read=%d errors_write=%d errors_timeout=%d status_2xx=%d status_3xx=%d status_4xx=%d status_5xx=%d p50_ms=%.2f p99_ms=%.2f max_ms=%.2f rps=%.0f\n",
    summary.requests, summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout,
    a, b, c, d, latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    summary.requests / (summary.duration / 1e6)))
end
