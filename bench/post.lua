-- wrk script: POST the JSON request body held in the file named after "--".
--   wrk -s bench/post.lua http://127.0.0.1:8000/graphql -- body.json

function init(args)
  local file = assert(io.open(args[1], "rb"))
  wrk.method = "POST"
  wrk.body = file:read("*a")
  wrk.headers["Content-Type"] = "application/json"
  file:close()
end
