-- A sign-in flood from many addresses (behind a trusted proxy, so each request carries
-- its own X-Forwarded-For): unknown names, wrong passwords. Counts answers by status.
local counter = 0
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  s401, s429, s503, other = 0, 0, 0, 0
end

function request()
  counter = counter + 1
  local a = (id * 7919 + counter) % 250 + 1
  local b = math.floor(counter / 250) % 250 + 1
  local addr = string.format("10.%d.%d.%d", id, b, a)
  local body = string.format('{"username":"nobody%d_%d","password":"wrong password"}', id, counter)
  return wrk.format("POST", "/api/v1/sessions",
    { ["Content-Type"] = "application/json", ["X-Forwarded-For"] = addr }, body)
end

function response(status, headers, body)
  if status == 401 then s401 = s401 + 1
  elseif status == 429 then s429 = s429 + 1
  elseif status == 503 then s503 = s503 + 1
  else other = other + 1 end
end

function done(summary, latency, requests)
  local total = { [401] = 0, [429] = 0, [503] = 0, other = 0 }
  for _, t in ipairs(threads) do
    total[401] = total[401] + t:get("s401")
    total[429] = total[429] + t:get("s429")
    total[503] = total[503] + t:get("s503")
    total.other = total.other + t:get("other")
  end
  io.write(string.format("status 401 (checked, wrong): %d\n", total[401]))
  io.write(string.format("status 429 (throttled): %d\n", total[429]))
  io.write(string.format("status 503 (hashing queue full): %d\n", total[503]))
  io.write(string.format("status other: %d\n", total.other))
end
