-- tests/nvim/run.lua — :SandboxRun make builds a small C project confined, the output lands in
-- the quickfix list; a compile error becomes a quickfix entry with its file and line; a write
-- outside the project is refused while the same write inside works.
local H = dofile(os.getenv('CORDON_TESTS') .. '/nvim/helper.lua')

local function run_and_wait(cmd)
  local cordon = require('cordon')
  cordon.last_run = nil
  vim.cmd('SandboxRun ' .. cmd)
  H.wait(60000, function()
    return cordon.last_run ~= nil
  end, ':SandboxRun ' .. cmd)
  return cordon.last_run
end

H.run(function()
  H.setup({ open_quickfix = false })
  local dir = vim.fn.getcwd()

  local r = run_and_wait('make')
  H.eq(0, r.status, ':SandboxRun make status (output: ' .. table.concat(r.lines, ' | ') .. ')')
  H.eq(1, vim.fn.executable(dir .. '/hello'), 'the binary make built')
  H.truthy(vim.fn.getqflist({ title = 0 }).title:match('make'), 'quickfix title names the command')
  local out = vim.fn.system({ dir .. '/hello' })
  H.eq('hello from cordon\n', out, 'output of the built program')

  r = run_and_wait('make broken')
  H.truthy(r.status ~= 0, 'make broken succeeded')
  local found = false
  for _, e in ipairs(vim.fn.getqflist()) do
    if e.valid == 1 and e.lnum == 3 and vim.fn.bufname(e.bufnr):match('broken%.c$') then
      found = true
    end
  end
  H.truthy(found, 'no quickfix entry for broken.c:3 in ' .. vim.inspect(vim.fn.getqflist()))

  r = run_and_wait('touch /etc/x-cordon-run; echo rc=$?')
  H.truthy(table.concat(r.lines, '\n'):match('rc=[1-9]'), 'touch /etc/x-cordon-run: ' .. table.concat(r.lines, ' | '))
  H.eq(0, vim.fn.filereadable('/etc/x-cordon-run'), '/etc/x-cordon-run on the host')
  r = run_and_wait('touch ./inside; echo rc=$?')
  H.truthy(table.concat(r.lines, '\n'):match('rc=0'), 'touch ./inside: ' .. table.concat(r.lines, ' | '))
  H.eq(1, vim.fn.filereadable(dir .. '/inside'), './inside on the host')

  r = run_and_wait('exit 7')
  H.eq(7, r.status, 'exit status passes through')
end)
