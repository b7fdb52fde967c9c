-- tests/nvim/helper.lua — shared set-up of the headless Neovim tests: the plugin on 'runtimepath'
-- (CORDON_PLUGIN), the real helper (CORDON_HELPER), plain asserts, and an exit status for bats.
local H = {}

function H.log(...)
  io.stderr:write(table.concat(vim.tbl_map(tostring, { ... }), ' ') .. '\n')
end

function H.setup(opts)
  local plugin = assert(os.getenv('CORDON_PLUGIN'), 'CORDON_PLUGIN not set')
  vim.opt.runtimepath:prepend(plugin)
  vim.cmd('runtime plugin/cordon.lua')
  local cordon = require('cordon')
  opts = opts or {}
  opts.helper = assert(os.getenv('CORDON_HELPER'), 'CORDON_HELPER not set')
  cordon.setup(opts)
  return cordon
end

function H.wait(ms, cond, what)
  if not vim.wait(ms, cond, 20) then
    error('timed out waiting for ' .. what, 2)
  end
end

function H.eq(want, got, what)
  if want ~= got then
    error(('%s: want %s, got %s'):format(what, vim.inspect(want), vim.inspect(got)), 2)
  end
end

function H.truthy(v, what)
  if not v then
    error(what, 2)
  end
end

-- run(fn): run the test body, then quit with 0, or print the error and quit with 1.
function H.run(fn)
  local ok, err = xpcall(fn, debug.traceback)
  if not ok then
    H.log('FAIL: ' .. tostring(err))
    local cordon = package.loaded['cordon']
    if cordon and cordon.server_log then
      H.log('cordon serve stderr:\n' .. table.concat(cordon.server_log, '\n'))
    end
    vim.cmd('cquit 1')
  end
  H.log('PASS')
  vim.cmd('qall!')
end

return H
