-- tests/nvim/commands.lua — :SandboxStatus, :SandboxHosts, :SandboxLog answer through the real
-- helper; network/ask is answered by vim.ui.select; :checkhealth cordon reports the helper.
local H = dofile(os.getenv('CORDON_TESTS') .. '/nvim/helper.lua')

H.run(function()
  local cordon = H.setup({ policy = { allowHost = { 'example.test', '*.example.org:443' } } })
  local st = cordon.status()
  H.truthy(st and st.kernel, ':SandboxStatus returned no kernel report')
  H.eq(true, st.started, 'the session policy was set by session.start')
  H.truthy(type(st.proxyMaxConnections) == 'number' and st.proxyMaxConnections > 0,
    'status says how many connections a session\'s proxy holds: ' .. vim.inspect(st))
  local hosts = cordon.hosts()
  H.truthy(hosts and vim.tbl_contains(hosts.allow, 'example.test'), 'allowlist: ' .. vim.inspect(hosts))
  H.truthy(vim.tbl_contains(hosts.allow, '*.example.org:443'), 'allowlist: ' .. vim.inspect(hosts))
  local log = cordon.log()
  H.truthy(log and type(log.entries) == 'table', ':SandboxLog returned no entries list')
  vim.cmd('SandboxStatus')
  vim.cmd('SandboxHosts')
  vim.cmd('SandboxLog')

  -- network/ask → vim.ui.select: the choice becomes the answer.
  local asked
  vim.ui.select = function(items, opts, cb)
    asked = opts.prompt
    cb(items[2], 2)
  end
  local answer
  cordon.ask({ host = 'h.test', port = 80 }, function(res)
    answer = res.answer
  end)
  H.wait(2000, function()
    return answer ~= nil
  end, 'the answer of the ask prompt')
  H.eq('session', answer, 'answer for "Allow for session"')
  H.truthy(asked:match('h%.test:80'), 'prompt names host and port: ' .. tostring(asked))
  vim.ui.select = function(_, _, cb)
    cb(nil, nil)
  end
  answer = nil
  cordon.ask({ host = 'h.test', port = 80 }, function(res)
    answer = res.answer
  end)
  H.wait(2000, function()
    return answer ~= nil
  end, 'the answer of a dismissed prompt')
  H.eq('deny', answer, 'a dismissed prompt denies')

  vim.cmd('checkhealth cordon')
  local text = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\n')
  H.truthy(text:match('cordon %d+%.%d+'), 'checkhealth shows the helper version:\n' .. text)
  H.truthy(text:match('Landlock'), 'checkhealth shows Landlock:\n' .. text)
  H.truthy(not text:match('ERROR'), 'checkhealth reports an error:\n' .. text)
end)
