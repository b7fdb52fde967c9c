-- lua/cordon/rpc.lua — a JSON-RPC 2.0 client for `cordon serve --stdio` (one message per line),
-- on jobstart() so it works from Neovim 0.7 on.
local M = {}
local Client = {}
Client.__index = Client

local function decode(s)
  if vim.json and vim.json.decode then
    return pcall(vim.json.decode, s)
  end
  return pcall(vim.fn.json_decode, s)
end

local function encode(v)
  if vim.json and vim.json.encode then
    return vim.json.encode(v)
  end
  return vim.fn.json_encode(v)
end
M.encode = encode

-- start(argv, handlers): handlers.notification(method, params), handlers.request(method, params,
-- respond(result, err)), handlers.stderr(line), handlers.exit(code). Returns a client or nil, err.
function M.start(argv, handlers)
  local self = setmetatable({ next_id = 0, pending = {}, handlers = handlers or {}, alive = true }, Client)
  local partial, epartial = '', ''
  local ok, job = pcall(vim.fn.jobstart, argv, {
    on_stdout = function(_, data)
      data[1] = partial .. data[1]
      partial = data[#data]
      for i = 1, #data - 1 do
        self:_line(data[i])
      end
    end,
    on_stderr = function(_, data)
      data[1] = epartial .. data[1]
      epartial = data[#data]
      for i = 1, #data - 1 do
        if self.handlers.stderr then
          self.handlers.stderr(data[i])
        end
      end
    end,
    on_exit = function(_, code)
      self.alive = false
      for id, cb in pairs(self.pending) do
        self.pending[id] = nil
        cb({ code = -32000, message = 'cordon serve exited with status ' .. code }, nil)
      end
      if self.handlers.exit then
        self.handlers.exit(code)
      end
    end,
  })
  if not ok or job <= 0 then
    return nil, 'cannot start ' .. table.concat(argv, ' ') .. (ok and '' or (': ' .. tostring(job)))
  end
  self.job = job
  return self
end

function Client:_send(msg)
  if not self.alive then
    return false
  end
  vim.fn.chansend(self.job, encode(msg) .. '\n')
  return true
end

function Client:_line(line)
  line = line:gsub('\r$', '')
  if line == '' then
    return
  end
  local ok, msg = decode(line)
  if not ok or type(msg) ~= 'table' then
    return
  end
  if msg.method ~= nil and msg.id ~= nil and msg.id ~= vim.NIL then
    -- A request from the server (network/ask): answer through respond().
    local answered = false
    local function respond(result, err)
      if answered then
        return
      end
      answered = true
      if err then
        self:_send({ jsonrpc = '2.0', id = msg.id, error = err })
      else
        self:_send({ jsonrpc = '2.0', id = msg.id, result = result })
      end
    end
    if self.handlers.request then
      self.handlers.request(msg.method, msg.params, respond)
    else
      respond(nil, { code = -32601, message = 'method not found' })
    end
  elseif msg.method ~= nil then
    if self.handlers.notification then
      self.handlers.notification(msg.method, msg.params)
    end
  elseif msg.id ~= nil then
    local cb = self.pending[msg.id]
    self.pending[msg.id] = nil
    if cb then
      local err = msg.error
      if err == vim.NIL then
        err = nil
      end
      cb(err, msg.result)
    end
  end
end

-- request(method, params, cb(err, result)): returns the request id (or nil if the server is gone).
function Client:request(method, params, cb)
  self.next_id = self.next_id + 1
  local id = self.next_id
  self.pending[id] = cb or function() end
  local msg = { jsonrpc = '2.0', id = id, method = method }
  if params then
    msg.params = params
  end
  if not self:_send(msg) then
    self.pending[id] = nil
    if cb then
      cb({ code = -32000, message = 'cordon serve is not running' }, nil)
    end
    return nil
  end
  return id
end

-- request_sync: wait up to timeout ms for the answer. Returns err, result.
function Client:request_sync(method, params, timeout)
  local done, e, r = false, nil, nil
  self:request(method, params, function(err, res)
    done, e, r = true, err, res
  end)
  if not vim.wait(timeout or 10000, function()
    return done
  end, 10) then
    return { code = -32000, message = method .. ': no answer from cordon serve' }, nil
  end
  return e, r
end

function Client:stop()
  if self.alive and self.job then
    pcall(vim.fn.chanclose, self.job, 'stdin')
    self.alive = false
  end
end

return M
