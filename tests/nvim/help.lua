-- tests/nvim/help.lua — `:help cordon` works as soon as the plugin is on 'runtimepath': the tags
-- file is generated at build time (make nvim-tags), so no :helptags is needed. The plugin is
-- copied to a fresh directory without write permission, where :helptags could not have run.
local H = dofile(os.getenv('CORDON_TESTS') .. '/nvim/helper.lua')

H.run(function()
  local plugin = assert(os.getenv('CORDON_PLUGIN'), 'CORDON_PLUGIN not set')
  H.eq(1, vim.fn.filereadable(plugin .. '/doc/tags'), 'doc/tags of the built plugin')
  vim.opt.runtimepath:prepend(plugin)
  for _, topic in ipairs({ 'cordon', ':SandboxTerminal', 'cordon-ask' }) do
    vim.cmd('silent! helpclose')
    local ok, err = pcall(vim.cmd, 'help ' .. topic)
    H.truthy(ok, ':help ' .. topic .. ' failed: ' .. tostring(err))
    H.eq('help', vim.bo.buftype, 'buftype after :help ' .. topic)
    H.truthy(vim.api.nvim_buf_get_name(0):match('doc/cordon%.txt$'), ':help ' .. topic .. ' opened ' .. vim.api.nvim_buf_get_name(0))
    local line = vim.api.nvim_get_current_line()
    H.truthy(line:find('*' .. topic .. '*', 1, true), ':help ' .. topic .. ' is not at its tag: ' .. line)
  end
  -- the control: a topic that is nowhere is an error, so the checks above mean something
  H.truthy(not pcall(vim.cmd, 'help cordon-no-such-topic'), ':help of a missing topic succeeded')
end)
