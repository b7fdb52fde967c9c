/* test_agent_filter.c — unit tests of what the agent socket reads: public key lines into key
 * blobs (RFC 4253 §6.6) and which data it agrees to have signed (an SSH user authentication
 * request, RFC 4252 §7, for the same key; not an SSHSIG blob or anything else). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../core/src/agent_filter.h"

/* A real ed25519 public key line (ssh-keygen -t ed25519). */
static const char line[] =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIEbzK/yv91dBWm7T0Av9vrswvr4kevW2yqTxMI1tFGJ signer";

static size_t put_string(unsigned char *p, const void *s, size_t n)
{
	p[0] = (unsigned char)(n >> 24);
	p[1] = (unsigned char)(n >> 16);
	p[2] = (unsigned char)(n >> 8);
	p[3] = (unsigned char)n;
	memcpy(p + 4, s, n);
	return 4 + n;
}

/* userauth: the data ssh has signed for publickey authentication with blob. */
static size_t userauth(unsigned char *d, const char *method, const unsigned char *blob, size_t bl)
{
	size_t n = 0;
	unsigned char sid[32];
	memset(sid, 7, sizeof(sid));
	n += put_string(d + n, sid, sizeof(sid));
	d[n++] = 50;
	n += put_string(d + n, "git", 3);
	n += put_string(d + n, "ssh-connection", 14);
	n += put_string(d + n, method, strlen(method));
	d[n++] = 1;
	n += put_string(d + n, "ssh-ed25519", 11);
	n += put_string(d + n, blob, bl);
	return n;
}

static void a_public_key_line_gives_its_blob(void **state)
{
	unsigned char *blob;
	size_t len;
	(void)state;

	assert_int_equal(agent_key_blob(line, &blob, &len), 0);
	assert_int_equal(len, 4 + 11 + 4 + 32);
	assert_memory_equal(blob + 4, "ssh-ed25519", 11);
	free(blob);
	assert_int_equal(agent_key_blob("ssh-ed25519", &blob, &len), -EINVAL);
	assert_int_equal(agent_key_blob("ssh-ed25519 !!!!", &blob, &len), -EINVAL);
	/* the type named in the line must be the blob's */
	assert_int_equal(
	    agent_key_blob("ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIIEbzK/yv91dBWm7T0Av9vrswvr"
			   "4kevW2yqTxMI1tFGJ",
			   &blob, &len),
	    -EINVAL);
}

static void only_a_user_authentication_with_the_same_key_is_signed(void **state)
{
	unsigned char *blob, d[512];
	size_t bl, n;
	(void)state;

	assert_int_equal(agent_key_blob(line, &blob, &bl), 0);
	n = userauth(d, "publickey", blob, bl);
	assert_true(agent_sign_data_is_userauth(d, n, blob, bl));
	n = userauth(d, "publickey-hostbound-v00@openssh.com", blob, bl);
	assert_true(agent_sign_data_is_userauth(d, n, blob, bl));
	/* cut short anywhere: refused */
	for (size_t k = 0; k < n; k++)
		assert_false(agent_sign_data_is_userauth(d, k, blob, bl));
	/* another method, another key, an SSHSIG blob */
	n = userauth(d, "password", blob, bl);
	assert_false(agent_sign_data_is_userauth(d, n, blob, bl));
	unsigned char other[51];
	memcpy(other, blob, bl);
	other[bl - 1] ^= 1;
	n = userauth(d, "publickey", other, bl);
	assert_false(agent_sign_data_is_userauth(d, n, blob, bl));
	static const unsigned char sshsig[] = "SSHSIG\0\0\0\3git\0\0\0\0\0\0\0\6sha512";
	assert_false(agent_sign_data_is_userauth(sshsig, sizeof(sshsig) - 1, blob, bl));
	free(blob);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(a_public_key_line_gives_its_blob),
	    cmocka_unit_test(only_a_user_authentication_with_the_same_key_is_signed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
