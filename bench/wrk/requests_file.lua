-- Replays pre-built requests from the file named in BENCH_REQUESTS: blocks separated by a line
-- "%%", each "METHOD PATH" then header lines, a blank line and the body. The first
-- BENCH_SKIP requests (what a warm-up already sent) are left out; thread n of N starts n/N of
-- the way into the rest, so threads do not send the same request (an event id, a vote) at the
-- same time, and a file long enough for the run is sent without repeats.
local requests = {}
local counter = 0
local threads_made = 0

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

function setup(thread)
  threads_made = threads_made + 1
  thread:set("thread_index", threads_made - 1)
  thread:set("thread_count", tonumber(os.getenv("BENCH_THREADS") or "1"))
end

function init(args)
  load(os.getenv("BENCH_REQUESTS"))
  local index = thread_index or 0
  local count = thread_count or 1
  local skip = tonumber(os.getenv("BENCH_SKIP") or "0")
  if skip >= #requests then skip = 0 end
  counter = skip + math.floor(index * (#requests - skip) / count)
end

function request()
  counter = counter % #requests + 1
  return requests[counter]
end
