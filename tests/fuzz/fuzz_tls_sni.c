/* fuzz_tls_sni.c — libFuzzer target for the ClientHello framing and server name (tls_sni.c):
 * whatever the bytes, the count stays within bounds and a found name is a NUL-terminated string
 * of at most 255 bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/src/tls_sni.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tls_sni *t;
	char name[256];
	long need;

	if (!t && !(t = tls_sni_new()))
		return 0;
	need = tls_sni_need(data, size);
	if (need > 0 && (size_t)need <= size) {
		int r = tls_sni_parse(t, data, (size_t)need, name, sizeof(name));
		if (r == TLS_SNI_FOUND && (strlen(name) == 0 || strlen(name) > 255))
			abort();
	}
	if (need > TLS_SNI_MAX)
		abort();
	return 0;
}
