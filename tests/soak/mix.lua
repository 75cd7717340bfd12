-- mix.lua - the request mix of tests/soak/run.sh, for wrk (keep-alive, one wrk thread or more).
-- Every connection cycles through the list below; readers are named in X-Forwarded-For (the
-- soak's geogate trusts 127.0.0.1) and placed by the flat test database
-- (tests/data/make-test-databases.pl). Nothing here may answer 4xx/5xx: wrk counts those as
-- errors and run.sh fails on any error.
local mix = {
  -- path, reader address, extra headers
  { "/article.html", "198.51.100.70" },              -- RU (Moscow): notice injected, chunked
  { "/article.html", "198.51.100.180" },             -- US: page passed through untouched
  { "/static/asset.bin", "198.51.100.180" },         -- US: 200 KiB asset, Content-Length
  { "/article.html", "198.51.100.50" },              -- Crimea (UA-43): notice injected
  { "/static/site.css", "198.51.100.70" },           -- RU, not HTML: passed through
  { "/article.html?id=42&ref=soak", "198.51.100.200" }, -- Kyiv: 302 to the mirror, local
  { "/static/asset.bin", "198.51.100.70" },          -- RU, not HTML: passed through
  { "/article.html", "198.51.100.70", { ["Connection"] = "close" } }, -- churn: a new connection
}

local requests = {}
local n = 0

init = function(args)
  for i, m in ipairs(mix) do
    local headers = { ["Host"] = "news.example", ["X-Forwarded-For"] = m[2] }
    for k, v in pairs(m[3] or {}) do headers[k] = v end
    requests[i] = wrk.format("GET", m[1], headers)
  end
end

request = function()
  n = n % #requests + 1
  return requests[n]
end

-- One machine-readable line for run.sh (errors.status counts statuses above 399).
done = function(summary, latency, _)
  local e = summary.errors
  io.write(string.format(
    "SOAKRESULT requests=%d secs=%.1f bytes=%d p99_ms=%.1f max_ms=%.1f" ..
    " err_connect=%d err_read=%d err_write=%d err_timeout=%d err_status=%d\n",
    summary.requests, summary.duration / 1e6, summary.bytes,
    latency:percentile(99) / 1000, latency.max / 1000,
    e.connect, e.read, e.write, e.timeout, e.status))
end
