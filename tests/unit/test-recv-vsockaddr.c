/* test-recv-vsockaddr.c - --listen=vsock:[CID:]PORT (vsockaddr.c, and how
 * options.c takes it).  Pure parsing: no AF_VSOCK socket is ever opened. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "recv/options.h"
#include "recv/vsockaddr.h"

static char err[RECV_OPTIONS_ERR_BYTES];
static struct recv_vsockaddr va;

static enum recv_vsockaddr_result parse(const char *v)
{
	va.cid = 7777;
	va.port = 7777;
	err[0] = '\0';
	return recv_vsockaddr_parse(v, &va, err, sizeof(err));
}

static void port_alone_means_any_cid(void **state)
{
	(void)state;
	assert_int_equal(parse("vsock:9001"), RECV_VSOCKADDR_OK);
	assert_int_equal(va.port, 9001);
	/* VMADDR_CID_ANY is -1U in linux/vm_sockets.h. */
	assert_int_equal(va.cid, (unsigned int)-1);
}

static void cid_and_port(void **state)
{
	(void)state;
	assert_int_equal(parse("vsock:2:9001"), RECV_VSOCKADDR_OK);
	assert_int_equal(va.cid, 2);
	assert_int_equal(va.port, 9001);
	assert_int_equal(parse("vsock:1:0"), RECV_VSOCKADDR_OK);
	assert_int_equal(va.cid, 1);
	assert_int_equal(va.port, 0);
}

static void limits(void **state)
{
	(void)state;
	assert_int_equal(parse("vsock:4294967295:4294967294"), RECV_VSOCKADDR_OK);
	assert_int_equal(va.cid, 4294967295u);
	assert_int_equal(va.port, 4294967294u);
	/* VMADDR_PORT_ANY would bind a port nobody can know. */
	assert_int_equal(parse("vsock:4294967295"), RECV_VSOCKADDR_BAD);
	assert_int_equal(parse("vsock:4294967296:1"), RECV_VSOCKADDR_BAD);
	assert_int_equal(parse("vsock:1:99999999999999999999999"), RECV_VSOCKADDR_BAD);
}

static void other_values_are_unix_paths(void **state)
{
	(void)state;
	assert_int_equal(parse("/run/fc.sock_9001"), RECV_VSOCKADDR_NOT_VSOCK);
	assert_int_equal(parse("./vsock:9001"), RECV_VSOCKADDR_NOT_VSOCK);
	assert_int_equal(parse("VSOCK:9001"), RECV_VSOCKADDR_NOT_VSOCK);
	assert_int_equal(parse("vsock"), RECV_VSOCKADDR_NOT_VSOCK);
	/* Nothing was written on the way. */
	assert_int_equal(va.cid, 7777);
	assert_string_equal(err, "");
}

static void malformed_names_value_and_allowed(void **state)
{
	static const char *const bad[] = {
		"vsock:", "vsock::9001", "vsock:2:", "vsock:+9001", "vsock:-1",
		"vsock: 9001", "vsock:9001 ", "vsock:0x10", "vsock:1:2:3",
		"vsock:any:9001", "vsock:2:port",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(bad[i]), RECV_VSOCKADDR_BAD);
		char want[64];
		snprintf(want, sizeof(want), "--listen='%s'", bad[i]);
		assert_non_null(strstr(err, want));
		assert_non_null(strstr(err, "allowed: "));
		/* Untouched on error. */
		assert_int_equal(va.port, 7777);
	}
}

static void short_error_buffer_is_terminated(void **state)
{
	char small[8];

	(void)state;
	memset(small, 'x', sizeof(small));
	assert_int_equal(recv_vsockaddr_parse("vsock:x", &va, small, sizeof(small)),
			 RECV_VSOCKADDR_BAD);
	assert_non_null(memchr(small, '\0', sizeof(small)));
}

/* The option parser stores the form beside the raw value. */
static enum recv_options_result opt(struct recv_options *o, const char *a1,
				    const char *a2)
{
	char *argv[] = { (char *)"cellos-telemetry-recv", (char *)a1, (char *)a2, NULL };
	int argc = a2 != NULL ? 3 : 2;

	return recv_options_parse(argc, argv, o, err, sizeof(err));
}

static void option_takes_vsock_form(void **state)
{
	struct recv_options o;

	(void)state;
	assert_int_equal(opt(&o, "--listen=vsock:9001", NULL), RECV_OPTIONS_RUN);
	assert_true(o.listen_is_vsock);
	assert_string_equal(o.listen_path, "vsock:9001");
	assert_int_equal(o.listen_vsock.port, 9001);
	assert_int_equal(o.listen_vsock.cid, (unsigned int)-1);

	assert_int_equal(opt(&o, "--listen", "vsock:3:52"), RECV_OPTIONS_RUN);
	assert_true(o.listen_is_vsock);
	assert_int_equal(o.listen_vsock.cid, 3);
	assert_int_equal(o.listen_vsock.port, 52);

	assert_int_equal(opt(&o, "--listen=/tmp/x.sock", NULL), RECV_OPTIONS_RUN);
	assert_false(o.listen_is_vsock);
}

static void option_rejects_bad_vsock_and_long_form_is_not_a_path(void **state)
{
	struct recv_options o;
	char longv[200];

	(void)state;
	assert_int_equal(opt(&o, "--listen=vsock:2:x", NULL), RECV_OPTIONS_USAGE);
	assert_non_null(strstr(err, "--listen='vsock:2:x'"));
	/* The Unix path length limit does not apply to the vsock form, and a
	 * long vsock value is refused as a bad number, not as a long path. */
	memset(longv, '1', sizeof(longv) - 1);
	memcpy(longv, "vsock:", 6);
	longv[sizeof(longv) - 1] = '\0';
	assert_int_equal(opt(&o, longv, NULL), RECV_OPTIONS_USAGE);
	assert_null(strstr(err, "too long"));
	/* Still exclusive with --input. */
	assert_int_equal(opt(&o, "--listen=vsock:9001", "--input=-"), RECV_OPTIONS_USAGE);
	assert_non_null(strstr(err, "--input"));
}

static void vsock_buffer_only_with_a_vsock_listener(void **state)
{
	struct recv_options o;
	char v[32];

	(void)state;
	assert_int_equal(opt(&o, "--listen=vsock:9001", "--vsock-buffer=65536"),
			 RECV_OPTIONS_RUN);
	assert_int_equal(o.vsock_buffer, 65536);
	assert_int_equal(opt(&o, "--listen=vsock:9001", NULL), RECV_OPTIONS_RUN);
	assert_int_equal(o.vsock_buffer, 0);
	assert_int_equal(opt(&o, "--listen=/tmp/s", "--vsock-buffer=65536"),
			 RECV_OPTIONS_USAGE);
	assert_non_null(strstr(err, "--vsock-buffer"));
	snprintf(v, sizeof(v), "--vsock-buffer=%d", RECV_VSOCK_BUFFER_MIN);
	assert_int_equal(opt(&o, "--listen=vsock:1", v), RECV_OPTIONS_RUN);
	snprintf(v, sizeof(v), "--vsock-buffer=%d", RECV_VSOCK_BUFFER_MIN - 1);
	assert_int_equal(opt(&o, "--listen=vsock:1", v), RECV_OPTIONS_USAGE);
	assert_non_null(strstr(err, "allowed: bytes from"));
	snprintf(v, sizeof(v), "--vsock-buffer=%d", RECV_VSOCK_BUFFER_MAX + 1);
	assert_int_equal(opt(&o, "--listen=vsock:1", v), RECV_OPTIONS_USAGE);
	assert_int_equal(opt(&o, "--listen=vsock:1", "--vsock-buffer=64k"),
			 RECV_OPTIONS_USAGE);
	assert_non_null(strstr(err, "'64k'"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(port_alone_means_any_cid),
		cmocka_unit_test(cid_and_port),
		cmocka_unit_test(limits),
		cmocka_unit_test(other_values_are_unix_paths),
		cmocka_unit_test(malformed_names_value_and_allowed),
		cmocka_unit_test(short_error_buffer_is_terminated),
		cmocka_unit_test(option_takes_vsock_form),
		cmocka_unit_test(option_rejects_bad_vsock_and_long_form_is_not_a_path),
		cmocka_unit_test(vsock_buffer_only_with_a_vsock_listener),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
