/* fuzz_git_pktline.c — libFuzzer target for the git relay's pkt-line reading (git_pktline.c):
 * the pkt-line stream, the receive-pack update request, and a remote's report-status, plain and
 * side-band demultiplexed; the refusal written for a parsed request must read back. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/src/git/git_pktline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_status(void *arg, bool ok, const char *ref, size_t rl, const char *why, size_t wl)
{
	(void)ok;
	(void)why;
	if (rl > 65520 || wl > 65520 || (rl && !ref))
		abort();
	(*(int *)arg)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size ? size : 1);
	struct git_pkt pkt;
	struct git_push_req req;
	struct cordon_error e;
	size_t off = 0, used;
	int n = 0;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	while (off < size && git_pkt_parse(buf + off, size - off, &pkt, &used) == 1) {
		if (used < 4 || used > size - off ||
		    (pkt.type == GIT_PKT_DATA && pkt.len != used - 4))
			abort();
		off += used;
	}
	if (git_push_req_parse(buf, size, &req, &e) == 1) {
		if (req.pack_off > size || req.n > GIT_PUSH_CMDS_MAX)
			abort();
		for (size_t i = 0; i < req.n; i++)
			if (strlen(req.cmds[i].old_oid) != req.oid_len ||
			    strlen(req.cmds[i].new_oid) != req.oid_len ||
			    strncmp(req.cmds[i].ref, "refs/", 5))
				abort();
		if (req.n > 0) {
			struct cordon_strbuf b = {0};
			const char **why = calloc(req.n, sizeof(*why));
			if (why) {
				why[0] = "refused";
				git_push_refusal(&b, &req, why, "banner\n");
				int seen = 0;
				if (!b.oom &&
				    git_report_scan(b.s, b.len, req.side_band_64k || req.side_band,
						    on_status, &seen) != (int)req.n)
					abort();
				free(why);
			}
			cordon_sb_free(&b);
		}
		git_push_req_free(&req);
	}
	(void)git_report_scan(buf, size, false, on_status, &n);
	(void)git_report_scan(buf, size, true, on_status, &n);
	free(buf);
	return 0;
}
