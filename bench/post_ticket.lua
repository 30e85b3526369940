-- wrk script: POST /api/v1/tickets with a valid emergency for an existing customer. The
-- server computes its arrival deadline and writes its audit record, as for any ticket.
-- The bearer token comes from wrk -H; the customer from BENCH_CUSTOMER_ID (default 1).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local customer = os.getenv("BENCH_CUSTOMER_ID") or "1"
wrk.body = '{"kind":"emergency","channel":"phone","customer_id":' .. customer .. ',' ..
           '"unit_text":"KYN28A-12 #2011-0345",' ..
           '"summary":"10kV 进线柜断路器跳闸，全厂停电，现场无法合闸"}'
