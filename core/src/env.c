/* env.c — the environment of a confined session (env.h): proxy variables pointing at the
 * session's in-namespace listeners, session markers, and the variables that must not leak in. */
#include "cordon/env.h"

#include "cordon/git_policy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Variables removed: they name sockets or agents outside the sandbox (ssh-agent, D-Bus, tmux,
 * X11/Wayland, VS Code's IPC, Docker, gpg-agent), which the mounts hide anyway, or make the
 * dynamic loader run code chosen by whoever set them (ld.so(8)). XDG_RUNTIME_DIR is kept: it
 * points at /run/user/UID, a private tmpfs inside the sandbox, and programs expect it. */
static const char *const removed[] = {
    "SSH_AUTH_SOCK",
    "SSH_AGENT_PID",
    "DBUS_SESSION_BUS_ADDRESS",
    "TMUX",
    "TMUX_PANE",
    "DISPLAY",
    "WAYLAND_DISPLAY",
    "XAUTHORITY",
    "VSCODE_IPC_HOOK_CLI",
    "DOCKER_HOST",
    "GPG_AGENT_INFO",
    "LD_PRELOAD",
    "LD_AUDIT",
    "LD_LIBRARY_PATH",
};

static int add(struct cordon_env *env, size_t cap, const char *name, char *value)
{
	if (env->n >= cap)
		return -ENOMEM;
	env->v[env->n].name = name;
	env->v[env->n].value = value;
	env->n++;
	return 0;
}

/* shell_quote: s as one POSIX shell word (single quotes, each ' written as '\''), malloc'd. */
static char *shell_quote(const char *s)
{
	size_t n = 3;
	int plain = *s != '\0';

	for (const char *c = s; *c; c++) {
		n += *c == '\'' ? 4 : 1;
		if (!strchr(
			"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./-+=:,@",
			*c))
			plain = 0;
	}
	if (plain)
		return strdup(s);
	char *q = malloc(n), *o = q;
	if (!q)
		return NULL;
	*o++ = '\'';
	for (const char *c = s; *c; c++) {
		if (*c == '\'') {
			memcpy(o, "'\\''", 4);
			o += 4;
		} else {
			*o++ = *c;
		}
	}
	*o++ = '\'';
	*o = '\0';
	return q;
}

/* git_ssh_command: ssh -o ProxyCommand=... with SELF quoted for both shells it goes through:
 * git runs GIT_SSH_COMMAND with sh -c, and ssh runs ProxyCommand with "exec" under $SHELL;
 * '%' in SELF is doubled because ssh expands %-tokens in ProxyCommand (ssh_config(5) TOKENS). */
static char *git_ssh_command(const char *self_exe)
{
	size_t n = strlen(self_exe);
	char *pct = malloc(2 * n + 1), *o = pct;
	char *inner = NULL, *outer = NULL, *opt = NULL, *res = NULL;

	if (!pct)
		return NULL;
	for (const char *c = self_exe; *c; c++) {
		*o++ = *c;
		if (*c == '%')
			*o++ = '%';
	}
	*o = '\0';
	inner = shell_quote(pct);
	if (inner && asprintf(&opt, "ProxyCommand=%s connect %%h %%p", inner) < 0)
		opt = NULL;
	if (opt)
		outer = shell_quote(opt);
	if (outer && asprintf(&res, "ssh -o %s", outer) < 0)
		res = NULL;
	free(pct);
	free(inner);
	free(opt);
	free(outer);
	return res;
}

int cordon_env_build(const struct cordon_session_info *si, const char *self_exe,
		     struct cordon_env *out, struct cordon_error *e)
{
	size_t ntok = 0;
	while (cordon_git_token_names[ntok])
		ntok++;
	const size_t cap = 24 + sizeof(removed) / sizeof(removed[0]) + ntok;
	char *http = NULL, *socks = NULL;
	struct cordon_env env = {0};
	int r = 0;

	env.v = calloc(cap, sizeof(*env.v));
	if (!env.v)
		return cordon_error_set(e, ENOMEM, "environment: out of memory");
	if (asprintf(&http, "http://127.0.0.1:%u", si->http_port) < 0)
		http = NULL;
	if (asprintf(&socks, "socks5h://127.0.0.1:%u", si->socks_port) < 0)
		socks = NULL;
	if (!http || !socks)
		goto nomem;
	/* Both spellings: curl reads only lowercase http_proxy, most others accept either. */
	static const char *const http_names[] = {"HTTP_PROXY", "HTTPS_PROXY", "http_proxy",
						 "https_proxy"};
	for (size_t i = 0; i < 4; i++)
		r |= add(&env, cap, http_names[i], strdup(http));
	/* socks5h: the proxy resolves names, so the policy sees the host name (curl(1) -x). */
	r |= add(&env, cap, "ALL_PROXY", strdup(socks));
	r |= add(&env, cap, "all_proxy", strdup(socks));
	r |= add(&env, cap, "NO_PROXY", strdup("localhost,127.0.0.1,::1"));
	r |= add(&env, cap, "no_proxy", strdup("localhost,127.0.0.1,::1"));
	/* Recent Node.js releases honour HTTP(S)_PROXY in fetch and http when this is set. */
	r |= add(&env, cap, "NODE_USE_ENV_PROXY", strdup("1"));
	if (self_exe)
		r |= add(&env, cap, "GIT_SSH_COMMAND", git_ssh_command(self_exe));
	/* The variable sandbox-runtime sets, so tools can tell they run sandboxed. */
	r |= add(&env, cap, "SANDBOX_RUNTIME", strdup("1"));
	r |= add(&env, cap, "CORDON_SESSION", strdup(si->id));
	r |= add(&env, cap, "CORDON_LOG", strdup(si->log_path));
	if (r < 0)
		goto nomem;
	for (size_t i = 0; i < env.n; i++)
		if (!env.v[i].value)
			goto nomem;
	for (size_t i = 0; i < sizeof(removed) / sizeof(removed[0]); i++)
		/* the agent's socket stays named when network.allowUnixSockets lists it */
		if (!(si->ssh_agent_allowed && !strcmp(removed[i], "SSH_AUTH_SOCK")))
			add(&env, cap, removed[i], NULL);
	/* tokens of git hosting services: the credential stays outside (git_policy.h); the
	 * policy's git.passTokens keeps one (cordon_env_git) */
	for (size_t i = 0; i < ntok; i++)
		add(&env, cap, cordon_git_token_names[i], NULL);
	free(http);
	free(socks);
	*out = env;
	return 0;
nomem:
	free(http);
	free(socks);
	cordon_env_free(&env);
	return cordon_error_set(e, ENOMEM, "environment: out of memory");
}

/* writable: is path under one of p's writable trees (lexically; the trees are absolute)? */
static bool writable(const struct cordon_policy *p, const char *path)
{
	for (size_t i = 0; i < p->allow_write.n; i++) {
		const char *root = p->allow_write.v[i];
		size_t n = strlen(root);
		if ((n == 1 && root[0] == '/') ||
		    (!strncmp(path, root, n) && (path[n] == '/' || path[n] == '\0')))
			return true;
	}
	return false;
}

static int add_default(struct cordon_env *env, const char *name, const char *value)
{
	struct cordon_env_entry *v = realloc(env->v, (env->n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	env->v = v;
	v[env->n] =
	    (struct cordon_env_entry){.name = name, .value = strdup(value), .if_unset = true};
	if (!v[env->n].value)
		return -ENOMEM;
	env->n++;
	return 0;
}

int cordon_env_add_cache_defaults(struct cordon_env *env, const struct cordon_policy *p,
				  const char *home, struct cordon_error *e)
{
	char npm[4096], pip[4096];
	const char *xdg = getenv("XDG_CACHE_HOME");

	if (!p->private_tmp || !home || home[0] != '/')
		return 0;
	snprintf(npm, sizeof(npm), "%s/.npm", home);
	if (xdg && xdg[0] == '/')
		snprintf(pip, sizeof(pip), "%s/pip", xdg);
	else
		snprintf(pip, sizeof(pip), "%s/.cache/pip", home);
	if ((!writable(p, npm) && add_default(env, "npm_config_cache", CORDON_NPM_CACHE) < 0) ||
	    (!writable(p, pip) && add_default(env, "PIP_CACHE_DIR", CORDON_PIP_CACHE) < 0))
		return cordon_error_set(e, ENOMEM, "environment: out of memory");
	return 0;
}

void cordon_env_free(struct cordon_env *env)
{
	if (!env)
		return;
	for (size_t i = 0; i < env->n; i++)
		free(env->v[i].value);
	free(env->v);
	env->v = NULL;
	env->n = 0;
}

int cordon_env_check_proxy_command(const char *self_exe, char *msg, size_t len)
{
	int err;

	if (self_exe && !strchr(self_exe, '/')) {
		/* the bare name: no cordon was found beside the builtin nor on PATH (and a file of
		 * that name in the current directory is not what ssh would run) */
		snprintf(msg, len,
			 "git over SSH will fail: no cordon binary (ssh's ProxyCommand) was found "
			 "beside the shell module, in PREFIX/bin or on PATH; install it, e.g. make "
			 "install");
		return -ENOENT;
	}
	if (!self_exe || access(self_exe, X_OK) == 0)
		return 0;
	err = errno;
	snprintf(msg, len,
		 "git over SSH will fail: ssh's ProxyCommand %s is not reachable inside the sandbox "
		 "(%s; a private /tmp or a denyRead mask hides it); install cordon elsewhere, e.g. "
		 "make install",
		 self_exe, strerror(err));
	return -err;
}
