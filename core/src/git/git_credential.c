/* git_credential.c — credentials from the unconfined user's git (git_credential.h). */
#include "git_credential.h"

#include <errno.h>
#include <nettle/base64.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cordon/strbuf.h"
#include "dl/dl_nettle.h"
#include "git_run.h"

static const char *const env_add[] = {"GIT_TERMINAL_PROMPT=0", NULL};

/* request: the credential description git reads on stdin (one attribute per line, then an empty
 * line); authority and path were checked to hold no newline or NUL (git_policy.c). */
static void request(struct cordon_strbuf *b, const char *authority, const char *path)
{
	cordon_sb_addf(b, "protocol=https\nhost=%s\npath=%s\n\n", authority,
		       path[0] == '/' ? path + 1 : path);
}

int git_credential_fill(const char *authority, const char *path, struct git_cred *c, char *why,
			size_t len)
{
	static const char *const argv[] = {"git", "credential", "fill", NULL};
	struct cordon_strbuf in = {0}, out = {0}, err = {0};
	struct cordon_error e = {{0}};
	int status = 0, r;

	memset(c, 0, sizeof(*c));
	why[0] = '\0';
	request(&in, authority, path);
	struct git_run run = {.argv = argv,
			      .env_add = env_add,
			      .in = in.s,
			      .in_len = in.len,
			      .in_fd = -1,
			      .out = &out,
			      .err = &err,
			      .timeout_ms = 120000};
	r = in.oom ? cordon_error_set(&e, ENOMEM, "out of memory") : git_run(&run, &status, &e);
	cordon_sb_free(&in);
	if (r < 0) {
		snprintf(why, len, "%s", e.msg);
		goto out;
	}
	if (status != 0) {
		/* no helper had one and prompting is off: go on without a credential */
		git_run_last_line(&err, why, len);
		goto out;
	}
	for (char *line = out.s, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!strncmp(line, "username=", 9))
			snprintf(c->username, sizeof(c->username), "%s", line + 9);
		else if (!strncmp(line, "password=", 9))
			snprintf(c->password, sizeof(c->password), "%s", line + 9);
	}
	c->have = c->username[0] && c->password[0];
out:
	if (out.s)
		memset(out.s, 0, out.len);
	cordon_sb_free(&out);
	cordon_sb_free(&err);
	return r;
}

int git_credential_basic(const struct git_cred *c, char *buf, size_t len)
{
	char plain[sizeof(c->username) + sizeof(c->password) + 2];
	int n, r;

	if ((r = cordon_dl_nettle_load(NULL)) < 0) /* Nettle: opened on first use (dl/dl.h) */
		return r;
	n = snprintf(plain, sizeof(plain), "%s:%s", c->username, c->password);
	if (n < 0 || (size_t)n >= sizeof(plain) ||
	    6 + BASE64_ENCODE_RAW_LENGTH((size_t)n) + 1 > len)
		return -ENOSPC;
	memcpy(buf, "Basic ", 6);
	base64_encode_raw((char *)buf + 6, (size_t)n, (const uint8_t *)plain);
	buf[6 + BASE64_ENCODE_RAW_LENGTH((size_t)n)] = '\0';
	memset(plain, 0, sizeof(plain));
	return 0;
}

void git_credential_wipe(struct git_cred *c)
{
	/* explicit_bzero(3): not optimised away */
	explicit_bzero(c, sizeof(*c));
}
