-- wrk script for bench/tiles.sh: replay a recorded tile list (TILE_LIST), each thread
-- from its own offset, asking for gzip as browsers do.
local prefix = os.getenv("TILE_PREFIX") or "/tiles/onemap/"
local suffix = os.getenv("TILE_SUFFIX") or ".mvt"
local paths = {}
for line in io.lines(os.getenv("TILE_LIST")) do
  if #line > 0 then paths[#paths + 1] = prefix .. line .. suffix end
end
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("offset", counter * 997)
end
local i = 0
function init(args)
  i = (offset or 0) % #paths
end
function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i], { ["Accept-Encoding"] = "gzip" })
end
