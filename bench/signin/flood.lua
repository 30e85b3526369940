-- A sign-in flood from many addresses (behind a trusted proxy, so each request carries
-- its own X-Forwarded-For): unknown names, wrong passwords. Counts answers by status.
local counter = 0
local statuses = {}
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
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
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    local s = t:get("statuses")
    for k, v in pairs(s) do total[k] = (total[k] or 0) + v end
  end
  local keys = {}
  for k in pairs(total) do table.insert(keys, k) end
  table.sort(keys)
  for _, k in ipairs(keys) do
    io.write(string.format("status %d: %d\n", k, total[k]))
  end
end
