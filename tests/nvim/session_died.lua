-- tests/nvim/session_died.lua — when the session process of a :SandboxRun dies, the plugin shows
-- "the session process died; the network was cut" (from the server's session/died notification)
-- and the run ends with 125; a run that ends by itself shows no such message (control).
local H = dofile(os.getenv('CORDON_TESTS') .. '/nvim/helper.lua')

local function run_and_wait(cordon, cmd, before_end)
  cordon.last_run = nil
  vim.cmd('SandboxRun ' .. cmd)
  if before_end then
    before_end()
  end
  H.wait(30000, function()
    return cordon.last_run ~= nil
  end, ':SandboxRun ' .. cmd)
  return cordon.last_run
end

H.run(function()
  local cordon = H.setup({ open_quickfix = false })
  local shown = {}
  vim.notify = function(msg, level)
    table.insert(shown, { msg = msg, level = level })
  end
  local died = 'the session process died; the network was cut'

  local r = run_and_wait(cordon, 'exit 0')
  H.eq(0, r.status, 'control run status')
  vim.wait(500, function()
    return false
  end)
  H.eq(0, #cordon.sessions_died, 'a run that ends by itself: no session/died')

  r = run_and_wait(cordon, 'echo started; exec sleep 3148', function()
    H.wait(20000, function()
      for _, run in pairs(cordon.runs) do
        if (table.concat(run.lines, '\n') .. run.partial.stdout):match('started') then
          return true
        end
      end
      return false
    end, 'the run to start')
    local serve = vim.fn.jobpid(cordon.client.job)
    local out = vim.fn.system({ 'bash', '-c', '. "$1" && serve_session_pid "$2"', '_',
      os.getenv('CORDON_TESTS') .. '/bats/session_pid.bash', tostring(serve) })
    local spid = tonumber(vim.trim(out))
    H.truthy(spid, 'no session process found: ' .. out)
    vim.loop.kill(spid, 9)
  end)
  H.eq(125, r.status, 'status of the run whose session died')
  H.truthy(table.concat(r.lines, '\n'):find('cordon: ' .. died, 1, true), 'run output: ' .. vim.inspect(r.lines))
  H.wait(5000, function()
    return #cordon.sessions_died == 1
  end, 'the session/died notification')
  local found = false
  vim.wait(2000, function()
    for _, s in ipairs(shown) do
      if s.msg:find(died, 1, true) and s.msg:find('sleep 3148', 1, true) and s.level == vim.log.levels.ERROR then
        found = true
      end
    end
    return found
  end, 20)
  H.truthy(found, 'the message shown: ' .. vim.inspect(shown))
end)
