-- plugin/cordon.lua — the user commands of cordon.nvim; everything else loads on first use
-- from lua/cordon/init.lua (setup() is optional: the defaults work without it).
if vim.g.loaded_cordon then
  return
end
vim.g.loaded_cordon = true

local function cordon()
  return require('cordon')
end

vim.api.nvim_create_user_command('SandboxTerminal', function(o)
  cordon().terminal({ args = o.fargs, mods = o.mods })
end, { nargs = '*', desc = 'cordon: open a confined terminal ($SHELL through `cordon shell`)' })

vim.api.nvim_create_user_command('SandboxRun', function(o)
  cordon().run(o.args, { bang = o.bang })
end, {
  nargs = '+',
  bang = true,
  complete = 'shellcmd',
  desc = 'cordon: run a command confined; output into the quickfix list (! for a buffer)',
})

vim.api.nvim_create_user_command('SandboxStatus', function()
  cordon().status()
end, { desc = 'cordon: the session, its runs and what the kernel supports' })

vim.api.nvim_create_user_command('SandboxHosts', function()
  cordon().hosts()
end, { desc = 'cordon: the effective network allow and deny lists' })

vim.api.nvim_create_user_command('SandboxLog', function()
  cordon().log()
end, { desc = 'cordon: the violations logged by the sessions of this editor' })
