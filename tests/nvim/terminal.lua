-- tests/nvim/terminal.lua — :SandboxTerminal is a confined shell in Terminal-mode: `touch /etc/x`
-- is refused and leaves nothing on the host, `touch ./ok` (the positive control) creates the
-- file, and the `sandbox` verbs answer there (bash is confined in place by `cordon shell`).
local H = dofile(os.getenv('CORDON_TESTS') .. '/nvim/helper.lua')

local cordon = H.setup()
local dir = vim.fn.getcwd()
vim.cmd('SandboxTerminal')

-- The rest runs from the main loop, after this file's :luafile has returned: :startinsert (what
-- :SandboxTerminal ends with) takes effect only then, as for a person typing the command.
vim.defer_fn(function() H.run(function()
  local buf, job = vim.api.nvim_get_current_buf(), vim.b.cordon_job
  H.truthy(job and job > 0, 'the terminal job did not start')
  H.eq('terminal', vim.bo[buf].buftype, 'buftype of the :SandboxTerminal buffer')
  H.eq('[cordon]', cordon.statusline(), 'statusline in the confined terminal')
  H.eq('t', vim.api.nvim_get_mode().mode, 'mode after :SandboxTerminal (t: Terminal-mode)')
  vim.cmd('stopinsert')

  local function screen()
    return table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), '\n')
  end
  local function wait_for(pat, what)
    local ok = vim.wait(30000, function()
      return screen():match(pat) ~= nil
    end, 50)
    if not ok then
      error(what .. ': not seen; terminal shows:\n' .. screen(), 2)
    end
    return screen():match(pat)
  end

  vim.fn.chansend(job, 'echo "conf""ined=$CORDON_PROMPT|$SANDBOX_RUNTIME|${CORDON_ASK_SOCKET:+ask}"\n')
  wait_for('confined=%[cordon%] |1|ask', 'CORDON_PROMPT, SANDBOX_RUNTIME and the ask socket in the terminal')
  vim.fn.chansend(job, 'touch /etc/x-cordon-nvim; echo "etc""rc=$?"\n')
  local rc = wait_for('etcrc=(%d+)', 'the status of touch /etc/x-cordon-nvim')
  H.truthy(rc ~= '0', 'touch /etc/x-cordon-nvim succeeded in the confined terminal')
  H.eq(0, vim.fn.filereadable('/etc/x-cordon-nvim'), '/etc/x-cordon-nvim on the host')
  vim.fn.chansend(job, 'sandbox status; echo "status""rc=$?"\n')
  H.eq('0', wait_for('statusrc=(%d+)', 'the status of sandbox status'), 'status of sandbox status')
  H.truthy(screen():match('sandbox: on %(session %x+%)'), 'sandbox status does not say on:\n' .. screen())
  vim.fn.chansend(job, 'touch ./ok; echo "ok""rc=$?"\n')
  H.eq('0', wait_for('okrc=(%d+)', 'the status of touch ./ok'), 'status of touch ./ok')
  H.eq(1, vim.fn.filereadable(dir .. '/ok'), './ok on the host')

  vim.fn.chansend(job, 'exit\n')
  H.truthy(vim.fn.jobwait({ job }, 20000)[1] >= 0, 'the confined shell did not exit')
  vim.cmd('new')
  H.eq('', cordon.statusline(), 'statusline in an ordinary buffer')
end) end, 100)
