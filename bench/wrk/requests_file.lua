-- Replays pre-built requests from the file named in BENCH_REQUESTS: blocks separated by a line
-- "%%", each "METHOD PATH" then header lines, a blank line and the body. Each thread starts at
-- its own offset so threads do not send the same request at once.
local requests = {}
local counter = 0

local function load(path)
  local f = assert(io.open(path, "rb"))
  local content = f:read("*a")
  f:close()
  for block in string.gmatch(content .. "\n%%\n", "(.-)\n%%%%\n") do
    local head, body = block:match("^(.-)\n\n(.*)$")
    if not head then head, body = block, "" end
    local lines = {}
    for line in head:gmatch("[^\n]+") do table.insert(lines, line) end
    local method, path = lines[1]:match("^(%S+) (%S+)$")
    local headers = {}
    for i = 2, #lines do
      local name, value = lines[i]:match("^([^:]+): (.*)$")
      headers[name] = value
    end
    table.insert(requests, wrk.format(method, path, headers, body))
  end
end

function init(args)
  load(os.getenv("BENCH_REQUESTS"))
  counter = math.random(#requests)
end

function request()
  counter = counter % #requests + 1
  return requests[counter]
end
