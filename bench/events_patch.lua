-- Single-grid 叫应 feedback PATCHes (persons_moved) spread over the warning's grids.
-- Reads EVENT, KEY and GRIDS (a file with one grid code per line) from the environment.
local event, key = os.getenv("EVENT"), os.getenv("KEY")
local grids = {}
for line in io.lines(os.getenv("GRIDS")) do grids[#grids + 1] = line end
local n = 0
request = function()
  n = n + 1
  local g = grids[(n % #grids) + 1]
  return wrk.format("PATCH", "/api/v1/events/" .. event .. "/grids/" .. g,
    {["Authorization"] = "Bearer " .. key, ["Content-Type"] = "application/json"},
    '{"persons_moved": ' .. (n % 1000) .. '}')
end
local bad = 0
response = function(status) if status < 200 or status > 299 then bad = bad + 1 end end
done = function(summary, latency, requests)
  io.write(string.format("RESULT writes_per_s=%.0f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f non2xx=%d total=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, summary.errors.status, summary.requests))
end
