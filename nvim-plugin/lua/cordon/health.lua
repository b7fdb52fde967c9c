-- lua/cordon/health.lua — :checkhealth cordon: the helper, its version and what the kernel
-- supports (vim.health on 0.10+, vim.health.report_* on 0.8/0.9, health#report_* on 0.7).
local M = {}

local function reporter()
  local h = vim.health
  if h and h.start then
    return h.start, h.ok, h.warn, h.error
  end
  if h and h.report_start then
    return h.report_start, h.report_ok, h.report_warn, h.report_error
  end
  return function(s)
    vim.fn['health#report_start'](s)
  end, function(s)
    vim.fn['health#report_ok'](s)
  end, function(s)
    vim.fn['health#report_warn'](s)
  end, function(s)
    vim.fn['health#report_error'](s)
  end
end

function M.check()
  local start, ok, warn, err = reporter()
  local cordon = require('cordon')
  start('cordon helper')
  local helper = cordon.helper()
  if vim.fn.executable(helper) ~= 1 then
    err(('helper "%s" is not executable: set it with require("cordon").setup({helper = ...}) or g:cordon_helper'):format(helper))
    return
  end
  local version = vim.fn.system({ helper, '--version' })
  if vim.v.shell_error ~= 0 then
    err(('%s --version failed: %s'):format(helper, version))
    return
  end
  ok(('%s: %s'):format(helper, (version:gsub('%s+$', ''))))

  start('cordon kernel support')
  local out = vim.fn.system({ helper, 'check', '--json' })
  local okj, k = pcall(vim.fn.json_decode, out)
  if not okj or type(k) ~= 'table' then
    err('cordon check --json gave no JSON: ' .. out)
    return
  end
  ok('kernel ' .. tostring(k.release))
  local function layer(name, present, detail)
    if present then
      ok(name .. (detail and (': ' .. detail) or ''))
    else
      warn(name .. ': not available')
    end
  end
  layer('user namespaces', k.userns)
  layer('Landlock', (tonumber(k.landlock_abi) or 0) > 0, 'ABI ' .. tostring(k.landlock_abi))
  layer('seccomp filter', k.seccomp)
  layer('seccomp user notification', k.seccomp_notify)
  if type(k.missing) == 'table' and #k.missing > 0 then
    warn('missing layers: ' .. table.concat(k.missing, ', '))
  else
    ok('every layer is available')
  end
end

return M
