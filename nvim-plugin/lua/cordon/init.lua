-- lua/cordon/init.lua — cordon.nvim: confined terminals (`cordon shell`), confined commands
-- through `cordon serve --stdio` (output into quickfix or a buffer), and network/ask prompts.
local rpc = require('cordon.rpc')

local M = {}

-- Defaults: everything works without calling setup() (the lazy.nvim `opts` convention).
M.defaults = {
  helper = nil, -- path of the cordon binary; nil: vim.g.cordon_helper, else `cordon` in PATH
  policy = {
    config = nil, -- --config FILE
    allowWrite = {}, -- --allow-write PATH...
    allowHost = {}, -- --allow-host HOST...
    strict = false, -- --strict
    lock = false, -- --lock
    settings = nil, -- a table of config-file keys (serve only), e.g. {network = {allowedDomains = {...}}}
  },
  run_output = 'quickfix', -- :SandboxRun output: 'quickfix' or 'buffer' (:SandboxRun! swaps them)
  open_quickfix = true, -- :copen after :SandboxRun when it produced output
  terminal_open = 'botright new', -- how :SandboxTerminal opens its window
  terminal_insert = true, -- :SandboxTerminal starts in Terminal-mode, ready for typing
  ask = true, -- answer network/ask with vim.ui.select; false: unlisted hosts are denied
  ask_timeout = nil, -- seconds the server waits for an answer (nil: the helper's default, 30)
  set_shell = false, -- also set 'shell' to "cordon sh" so :! and system() run confined
}

M.config = vim.deepcopy(M.defaults)
M.client = nil
M.runs = {} -- request id -> run state
M.last_run = nil -- the last finished :SandboxRun: {cmd, status, lines}
M.server_log = {} -- stderr lines of cordon serve
M.sessions_died = {} -- session/died notifications: {session, pid, id?, message}

function M.setup(opts)
  M.config = vim.tbl_deep_extend('force', vim.deepcopy(M.defaults), opts or {})
  if M.config.set_shell then
    vim.o.shell = vim.fn.fnameescape(M.helper()) .. ' sh'
    vim.o.shellcmdflag = '-c'
  end
  if M.client then
    M.client:stop()
    M.client = nil
  end
end

function M.helper()
  local h = M.config.helper or vim.g.cordon_helper
  if h and h ~= '' then
    return h
  end
  local p = vim.fn.exepath('cordon')
  return p ~= '' and p or 'cordon'
end

local function notify(msg, level)
  vim.schedule(function()
    vim.notify('cordon: ' .. msg, level or vim.log.levels.INFO)
  end)
end

-- The policy as command-line flags (for `cordon shell`). Inline settings become a temporary
-- config file when no config file is named.
function M.policy_flags()
  local p, f = M.config.policy or {}, {}
  local cfg = p.config
  if not cfg and p.settings then
    cfg = vim.fn.tempname() .. '.json'
    vim.fn.writefile({ rpc.encode(p.settings) }, cfg)
  end
  if cfg then
    vim.list_extend(f, { '--config', cfg })
  end
  for _, w in ipairs(p.allowWrite or {}) do
    vim.list_extend(f, { '--allow-write', w })
  end
  for _, h in ipairs(p.allowHost or {}) do
    vim.list_extend(f, { '--allow-host', h })
  end
  if p.strict then
    table.insert(f, '--strict')
  end
  if p.lock then
    table.insert(f, '--lock')
  end
  return f
end

-- The session.start parameters (empty lists are left out: they would encode as {}).
local function session_params()
  local p, out = M.config.policy or {}, {}
  if p.config then
    out.config = p.config
  end
  if p.allowWrite and #p.allowWrite > 0 then
    out.allowWrite = p.allowWrite
  end
  if p.allowHost and #p.allowHost > 0 then
    out.allowHost = p.allowHost
  end
  if p.strict then
    out.strict = true
  end
  if p.lock then
    out.lock = true
  end
  if p.settings then
    out.settings = p.settings
  end
  out.cwd = vim.fn.getcwd()
  return out
end

local function append_output(run, stream, data)
  local buf = run.partial[stream] .. data
  local lines = vim.split(buf, '\n', { plain = true })
  run.partial[stream] = table.remove(lines)
  for _, l in ipairs(lines) do
    table.insert(run.lines, l)
  end
end

-- ask: network/ask {host, port} → vim.ui.select; no choice means deny.
local ask_choices = { 'Allow once', 'Allow for session', 'Deny' }
local ask_answers = { 'once', 'session', 'deny' }

function M.ask(params, respond)
  if not M.config.ask then
    respond({ answer = 'deny' })
    return
  end
  local what = ('%s:%s'):format(params.host or '?', tostring(params.port or '?'))
  vim.schedule(function()
    vim.ui.select(ask_choices, { prompt = 'cordon: a confined command asks for ' .. what }, function(_, idx)
      respond({ answer = ask_answers[idx or 3] or 'deny' })
    end)
  end)
end

local function on_notification(method, params)
  if type(params) ~= 'table' then
    return
  end
  local run = M.runs[params.id]
  if method == 'session/died' then
    -- A session process ended without saying so: its confined processes lost the network.
    table.insert(M.sessions_died, params)
    local what = run and (':SandboxRun ' .. run.cmd) or ('session ' .. tostring(params.session))
    notify(what .. ': ' .. tostring(params.message or 'the session process died'), vim.log.levels.ERROR)
    return
  end
  if not run then
    return
  end
  if method == 'output' then
    append_output(run, params.stream == 'stderr' and 'stderr' or 'stdout', params.data or '')
  elseif method == 'exit' then
    run.status = params.status
  end
end

-- client(): the running `cordon serve --stdio`, started (and initialized) on first use.
function M.get_client()
  if M.client and M.client.alive then
    return M.client
  end
  local argv = { M.helper(), 'serve', '--stdio' }
  if M.config.ask_timeout then
    vim.list_extend(argv, { '--ask-timeout', tostring(M.config.ask_timeout) })
  end
  local c, err = rpc.start(argv, {
    notification = on_notification,
    request = function(method, params, respond)
      if method == 'network/ask' then
        M.ask(params or {}, respond)
      else
        respond(nil, { code = -32601, message = 'method not found: ' .. tostring(method) })
      end
    end,
    stderr = function(line)
      if line ~= '' then
        table.insert(M.server_log, line)
      end
    end,
  })
  if not c then
    notify(err, vim.log.levels.ERROR)
    return nil
  end
  M.client = c
  c:request('initialize', {
    clientInfo = { name = 'cordon.nvim', version = tostring(vim.version and vim.version().minor) },
    capabilities = { networkAsk = M.config.ask and true or false },
  }, function(e, res)
    if e then
      notify('initialize: ' .. (e.message or '?'), vim.log.levels.ERROR)
    else
      M.server_info = res
    end
  end)
  c:request('session.start', session_params(), function(e)
    if e then
      notify('session.start: ' .. (e.message or '?'), vim.log.levels.ERROR)
    end
  end)
  return c
end

-- terminal({args, mods}): a confined terminal running `cordon shell` in a new window.
function M.terminal(o)
  o = o or {}
  local cmd = { M.helper(), 'shell' }
  vim.list_extend(cmd, M.policy_flags())
  if o.args and #o.args > 0 then
    table.insert(cmd, '--')
    vim.list_extend(cmd, o.args)
  end
  local open = M.config.terminal_open
  if o.mods and o.mods ~= '' then
    open = o.mods .. ' new'
  end
  -- With network/ask on, the terminal's session asks through this editor's `cordon serve`.
  local env = nil
  if M.config.ask and M.get_client() then
    vim.wait(10000, function()
      return M.server_info ~= nil
    end, 10)
    local sock = M.server_info and M.server_info.askSocket
    if type(sock) == 'string' then
      env = { CORDON_ASK_SOCKET = sock }
    end
  end
  if open and open ~= '' then
    vim.cmd(open)
  end
  local job = vim.fn.termopen(cmd, { cwd = vim.fn.getcwd(), env = env })
  if job <= 0 then
    notify('cannot start ' .. table.concat(cmd, ' '), vim.log.levels.ERROR)
    return nil
  end
  vim.b.cordon_confined = true
  vim.b.cordon_job = job
  if M.config.terminal_insert then
    vim.cmd('startinsert') -- in a terminal buffer: Terminal-mode (:help Terminal-mode)
  end
  return job
end

local function show_lines(name, lines)
  local buf = vim.api.nvim_create_buf(true, true)
  pcall(vim.api.nvim_buf_set_name, buf, name)
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  vim.cmd('botright split')
  vim.api.nvim_win_set_buf(0, buf)
  vim.bo[buf].modifiable = false
  return buf
end

local function finish_run(run, err, res)
  for _, s in ipairs({ 'stdout', 'stderr' }) do
    if run.partial[s] ~= '' then
      table.insert(run.lines, run.partial[s])
      run.partial[s] = ''
    end
  end
  run.status = res and res.status or run.status or -1
  run.done = true
  M.runs[run.id] = nil
  M.last_run = run
  if err then
    notify(run.cmd .. ': ' .. (err.message or '?'), vim.log.levels.ERROR)
    return
  end
  local to_buffer = (M.config.run_output == 'buffer') ~= (run.bang and true or false)
  if to_buffer then
    run.buf = show_lines('cordon://run/' .. run.id, run.lines)
  else
    vim.fn.setqflist({}, ' ', {
      title = 'SandboxRun: ' .. run.cmd,
      lines = run.lines,
      efm = vim.o.errorformat,
    })
    if M.config.open_quickfix and #run.lines > 0 then
      vim.cmd('botright copen')
    end
  end
  notify(('%s: exit status %d'):format(run.cmd, run.status),
    run.status == 0 and vim.log.levels.INFO or vim.log.levels.WARN)
end

-- run(cmd, {bang}): `sh -c cmd` confined in the current directory; output into the quickfix
-- list (or a buffer). Returns the run state (run.done turns true at the end).
function M.run(cmd, o)
  local c = M.get_client()
  if not c then
    return nil
  end
  local run = { cmd = cmd, lines = {}, partial = { stdout = '', stderr = '' }, bang = o and o.bang }
  local id = c:request('run', { argv = { '/bin/sh', '-c', cmd }, cwd = vim.fn.getcwd() }, function(err, res)
    vim.schedule(function()
      finish_run(run, err, res)
    end)
  end)
  if id then
    run.id = id
    M.runs[id] = run
  end
  return run
end

local function call(method, params, show)
  local c = M.get_client()
  if not c then
    return nil
  end
  local err, res = c:request_sync(method, params, 15000)
  if err then
    notify(method .. ': ' .. (err.message or '?'), vim.log.levels.ERROR)
    return nil
  end
  if show then
    show(res)
  end
  return res
end

local function echo(lines)
  local chunks = {}
  for _, l in ipairs(lines) do
    table.insert(chunks, { l .. '\n' })
  end
  vim.api.nvim_echo(chunks, true, {})
end

function M.status()
  return call('status', nil, function(r)
    local k = r.kernel or {}
    echo({
      ('cordon %s, session policy %s'):format(r.version or '?', r.started and 'set' or 'default'),
      ('runs: %d, sessions: %d, network/ask: %s'):format(#(r.runs or {}), #(r.sessions or {}),
        r.networkAsk and 'on' or 'off'),
      ('proxy: up to %s connections at once per session'):format(tostring(r.proxyMaxConnections or '?')),
      ('kernel %s: userns %s, Landlock ABI %s, seccomp %s'):format(k.release or '?', tostring(k.userns),
        tostring(k.landlock_abi), tostring(k.seccomp)),
    })
  end)
end

function M.hosts()
  return call('hosts.list', { cwd = vim.fn.getcwd() }, function(r)
    local function j(l)
      return (l and #l > 0) and table.concat(l, ', ') or '(none)'
    end
    echo({ 'allow: ' .. j(r.allow), 'deny: ' .. j(r.deny), 'allowed for this session: ' .. j(r.session) })
  end)
end

function M.log()
  return call('log.list', nil, function(r)
    local lines = {}
    for _, e in ipairs(r.entries or {}) do
      table.insert(lines, ('%s %s:%s %s (%s)'):format(e.time, e.host, tostring(e.port), e.reason, e.proto))
    end
    if #lines == 0 then
      lines = { 'no violations logged' }
    end
    echo(lines)
  end)
end

-- statusline(): "[cordon]" in a terminal opened by :SandboxTerminal, "" elsewhere.
-- Use it as: set statusline=%{v:lua.require'cordon'.statusline()}%f
function M.statusline()
  if vim.b.cordon_confined then
    return '[cordon]'
  end
  return ''
end

return M
