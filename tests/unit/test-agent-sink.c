/*
 * test-agent-sink.c - the sink (src/agent/sink.c): URI parsing, and real Unix
 * stream sockets in a temporary directory driven through the agent's own
 * reactor, its log read back (agent-doubles.c); the chardev kind against a pseudo-terminal
 * (a tty, like a serial line) and /dev/null.  Never touches vsock.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "agent/reactor.h"
#include "agent/sink.h"
#include "agent-doubles.h"

#define ERR_BYTES 256
#define DEADLINE_MS 10000
/* Test records: u32 total length, u32 sequence number, then bytes derived
 * from the sequence number. */
#define REC_HDR 8
#define REC_MAX 4000

/* ---- parsing ---- */

static void parse_accepts_vsock_unix_and_stdout(void **state)
{
	struct sink_addr a;
	char err[ERR_BYTES];
	char path[SINK_PATH_BYTES + 8];

	assert_int_equal(sink_addr_parse("vsock:2:9001", &a, err, sizeof(err)), 0);
	assert_int_equal(a.kind, SINK_VSOCK);
	assert_int_equal(a.cid, 2);
	assert_int_equal(a.port, 9001);
	assert_int_equal(sink_addr_parse("vsock:4294967294:4294967294", &a, err, sizeof(err)), 0);
	assert_int_equal(a.cid, 4294967294U);
	assert_int_equal(a.port, 4294967294U);
	assert_int_equal(sink_addr_parse("vsock:0:0", &a, err, sizeof(err)), 0);
	assert_int_equal(sink_addr_parse("unix:/run/cellos/t.sock", &a, err, sizeof(err)), 0);
	assert_int_equal(a.kind, SINK_UNIX);
	assert_string_equal(a.path, "/run/cellos/t.sock");
	assert_int_equal(sink_addr_parse("-", &a, err, sizeof(err)), 0);
	assert_int_equal(a.kind, SINK_STDOUT);
	/* The longest path that fits sun_path with its NUL. */
	strcpy(path, "unix:");
	memset(path + 5, 'p', SINK_PATH_BYTES - 1);
	path[5 + SINK_PATH_BYTES - 1] = '\0';
	assert_int_equal(sink_addr_parse(path, &a, err, sizeof(err)), 0);
	assert_int_equal(strlen(a.path), SINK_PATH_BYTES - 1);
}

/* uri must be refused with a message containing every needle. */
static void expect_reject(const char *uri, const char *n1, const char *n2)
{
	struct sink_addr a;
	char err[ERR_BYTES] = "";

	assert_int_equal(sink_addr_parse(uri, &a, err, sizeof(err)), -EINVAL);
	if (!strstr(err, n1) || (n2 && !strstr(err, n2)))
		fail_msg("sink_addr_parse(\"%s\") said \"%s\"; wanted \"%s\" and \"%s\"", uri,
			 err, n1, n2 ? n2 : "");
	assert_null(strchr(err, '\n'));
}

static void parse_rejects_non_numeric_cid_naming_it(void **state)
{
	expect_reject("vsock:x:1", "'vsock:x:1'", "CID 'x' is not a decimal number in 0..4294967294");
	expect_reject("vsock:-1:1", "CID '-1'", NULL);
	expect_reject("vsock: 2:1", "CID ' 2'", NULL);
	expect_reject("vsock::1", "CID ''", NULL);
}

static void parse_rejects_vsock_without_port(void **state)
{
	expect_reject("vsock:2", "'vsock:2': no port", "vsock:CID:PORT");
	expect_reject("vsock:", "no port", NULL);
}

static void parse_rejects_out_of_range_or_trailing_garbage(void **state)
{
	expect_reject("vsock:4294967295:9001", "CID '4294967295'", "0..4294967294");
	expect_reject("vsock:99999999999999999999999:1", "CID", "0..4294967294");
	expect_reject("vsock:2:4294967295", "PORT '4294967295'", "0..4294967294");
	expect_reject("vsock:2:9001x", "PORT '9001x'", NULL);
	expect_reject("vsock:2:", "PORT ''", NULL);
	expect_reject("vsock:2:1:3", "PORT '1:3'", NULL);
}

static void parse_rejects_empty_unix_path(void **state)
{
	expect_reject("unix:", "'unix:': empty path", "1..107 bytes");
}

static void parse_rejects_unix_path_longer_than_sun_path(void **state)
{
	char uri[SINK_PATH_BYTES + 8];

	strcpy(uri, "unix:");
	memset(uri + 5, 'p', SINK_PATH_BYTES);
	uri[5 + SINK_PATH_BYTES] = '\0';
	expect_reject(uri, "path is 108 bytes", "at most 107 bytes");
	expect_reject(uri, "unix:pppp", NULL);
}

static void parse_rejects_garbage_listing_the_allowed_forms(void **state)
{
	expect_reject("tcp:127.0.0.1:9001", "'tcp:127.0.0.1:9001' is not a sink",
		      "expected vsock:CID:PORT, unix:PATH, chardev:PATH or -");
	expect_reject("", "'' is not a sink", NULL);
	expect_reject("--", "'--' is not a sink", NULL);
	expect_reject("VSOCK:2:1", "is not a sink", NULL);
}

static void describe_names_the_address(void **state)
{
	struct sink_addr a;
	char buf[SINK_DESCRIBE_BYTES];

	assert_int_equal(sink_addr_parse("vsock:3:77", &a, NULL, 0), 0);
	sink_addr_describe(&a, buf, sizeof(buf));
	assert_string_equal(buf, "vsock:3:77");
	assert_int_equal(sink_addr_parse("unix:/a/b", &a, NULL, 0), 0);
	sink_addr_describe(&a, buf, sizeof(buf));
	assert_string_equal(buf, "unix:/a/b");
}

static void create_rejects_queue_sizes_out_of_range(void **state)
{
	struct sink_addr a;
	struct sink *s;

	assert_int_equal(sink_addr_parse("unix:/nonexistent/x", &a, NULL, 0), 0);
	s = NULL;
	assert_int_equal(sink_create(&s, &a, SINK_QUEUE_MIN_BYTES - 1, NULL), -EINVAL);
	assert_int_equal(sink_create(&s, &a, SINK_QUEUE_MAX_BYTES + 1, NULL), -EINVAL);
	assert_null(s);
	assert_int_equal(sink_create(&s, &a, SINK_QUEUE_MIN_BYTES, NULL), 0);
	assert_non_null(s);
	/* The smallest queue holds one largest frame. */
	{
		static uint8_t frame[WIRE_MAX_FRAME_BYTES];

		assert_true(sink_push(s, frame, sizeof(frame)));
		assert_false(sink_push(s, frame, 1));
		assert_int_equal(sink_queued(s), 1);
		assert_false(sink_idle(s));
	}
	sink_destroy(s);
}

/* ---- sockets ---- */

struct fixture {
	char dir[64];
	char path[128];
	struct reactor *r;
	int listener;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "%s", "/tmp/cellos-sink-test.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/sink.sock", f->dir);
	f->r = reactor_create();
	if (!f->r)
		return -1;
	f->listener = -1;
	stats_reset();
	test_log_reset();
	*state = f;
	return 0;
}

static void listener_close(struct fixture *f)
{
	if (f->listener >= 0) {
		close(f->listener);
		f->listener = -1;
	}
	unlink(f->path);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	listener_close(f);
	rmdir(f->dir);
	reactor_destroy(f->r);
	free(f);
	return 0;
}

static void listener_open(struct fixture *f)
{
	struct sockaddr_un sa;

	f->listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(f->listener >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	strcpy(sa.sun_path, f->path);
	assert_int_equal(bind(f->listener, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(f->listener, 8), 0);
}

/* The accepted connection, non-blocking. */
static int accept_one(struct fixture *f)
{
	int c = accept4(f->listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	assert_true(c >= 0);
	return c;
}

static struct sink *sink_for(struct fixture *f, size_t qbytes)
{
	struct sink_addr a;
	char uri[160];
	struct sink *s;

	snprintf(uri, sizeof(uri), "unix:%s", f->path);
	assert_int_equal(sink_addr_parse(uri, &a, NULL, 0), 0);
	assert_int_equal(sink_create(&s, &a, qbytes, f->r), 0);
	return s;
}

static uint64_t now_ms(void)
{
	return clock_now_ns() / 1000000ULL;
}

static void run_until_connected(struct fixture *f, struct sink *s, bool want)
{
	uint64_t end = now_ms() + DEADLINE_MS;

	while (sink_connected(s) != want) {
		if (now_ms() > end)
			fail_msg("sink did not %s within %d ms", want ? "connect" : "disconnect",
				 DEADLINE_MS);
		assert_true(reactor_run_once(f->r, 50) >= 0);
	}
}

/* Run the reactor until it has nothing to do right now. */
static void run_until_quiet(struct fixture *f)
{
	int i;

	for (i = 0; i < 1000; i++)
		if (reactor_run_once(f->r, 0) == 0)
			return;
	fail_msg("reactor never went quiet");
}

static size_t rec_len(unsigned seq)
{
	/* Varied, odd sizes so records do not line up with socket buffers. */
	return REC_HDR + 17 + (seq * 7919u) % (REC_MAX - REC_HDR - 17);
}

static size_t make_rec(uint8_t *buf, unsigned seq)
{
	uint32_t len = (uint32_t)rec_len(seq), s32 = seq;
	size_t k;

	memcpy(buf, &len, 4);
	memcpy(buf + 4, &s32, 4);
	for (k = REC_HDR; k < len; k++)
		buf[k] = (uint8_t)(seq * 13u + k);
	return len;
}

/* What a connection delivered: whole records are checked and counted. */
struct rx {
	uint8_t buf[REC_MAX * 2];
	size_t have;
	unsigned first_seq, next_seq, count;
	size_t bytes;
};

static void rx_init(struct rx *x)
{
	memset(x, 0, sizeof(*x));
}

static void rx_check_records(struct rx *x)
{
	uint8_t want[REC_MAX];

	for (;;) {
		uint32_t len, seq;

		if (x->have < REC_HDR)
			return;
		memcpy(&len, x->buf, 4);
		memcpy(&seq, x->buf + 4, 4);
		if (len < REC_HDR || len > REC_MAX)
			fail_msg("record %u: bad length %u: not a record boundary", x->count, len);
		if (x->have < len)
			return;
		if (x->count == 0)
			x->first_seq = seq;
		else if (seq != x->next_seq)
			fail_msg("record %u: sequence %u, expected %u", x->count, seq, x->next_seq);
		assert_int_equal(len, rec_len(seq));
		make_rec(want, seq);
		assert_memory_equal(x->buf, want, len);
		x->next_seq = seq + 1;
		x->count++;
		memmove(x->buf, x->buf + len, x->have - len);
		x->have -= len;
	}
}

/* Read what is there now, without blocking.  Returns false at EOF. */
static bool rx_read(struct rx *x, int fd)
{
	for (;;) {
		ssize_t n = read(fd, x->buf + x->have, sizeof(x->buf) - x->have);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
			return true;
		}
		if (n == 0)
			return false;
		x->have += (size_t)n;
		x->bytes += (size_t)n;
		rx_check_records(x);
	}
}

/* Drive reactor and reader until the reader has seen record last_seq. */
static void rx_until(struct fixture *f, struct rx *x, int fd, unsigned last_seq)
{
	uint64_t end = now_ms() + DEADLINE_MS;

	while (x->count == 0 || x->next_seq <= last_seq) {
		if (now_ms() > end)
			fail_msg("only %u records (next %u) arrived within %d ms", x->count,
				 x->next_seq, DEADLINE_MS);
		assert_true(reactor_run_once(f->r, 10) >= 0);
		assert_true(rx_read(x, fd));
	}
}

static void records_arrive_whole_and_in_order(void **state)
{
	struct fixture *f = *state;
	struct sink *s = sink_for(f, SINK_QUEUE_DEFAULT_BYTES);
	uint8_t rec[REC_MAX];
	struct rx *x = malloc(sizeof(*x));
	unsigned i, pushed = 0;
	int c;

	assert_non_null(x);
	rx_init(x);
	listener_open(f);
	assert_int_equal(sink_start(s), 0);
	run_until_connected(f, s, true);
	c = accept_one(f);
	/* 3000 records (~6 MB) through a 1 MiB queue: the reader keeps up,
	 * so nothing may be dropped if we wait for room. */
	for (i = 0; i < 3000; i++) {
		size_t len = make_rec(rec, i);
		uint64_t end = now_ms() + DEADLINE_MS;

		while (!sink_push(s, rec, len)) {
			assert_true(now_ms() < end);
			assert_true(reactor_run_once(f->r, 10) >= 0);
			assert_true(rx_read(x, c));
		}
		pushed++;
	}
	rx_until(f, x, c, pushed - 1);
	assert_int_equal(x->first_seq, 0);
	assert_int_equal(x->count, pushed);
	assert_int_equal(x->have, 0);
	assert_true(sink_idle(s));
	assert_int_equal(sink_queued(s), 0);
	assert_int_equal(stats_get(STAT_WRITTEN), pushed);
	assert_int_equal(stats_get(STAT_QUEUED), 0);
	assert_int_equal(stats_get(STAT_RECONNECTS), 1);
	close(c);
	sink_destroy(s);
	assert_int_equal(reactor_count(f->r), 0);
	free(x);
}

static void queued_records_arrive_once_listener_appears(void **state)
{
	struct fixture *f = *state;
	struct sink *s = sink_for(f, SINK_QUEUE_DEFAULT_BYTES);
	uint8_t rec[REC_MAX];
	struct rx *x = malloc(sizeof(*x));
	uint64_t end;
	unsigned i;
	int c;

	assert_non_null(x);
	rx_init(x);
	assert_int_equal(sink_start(s), 0);
	assert_false(sink_connected(s));
	for (i = 0; i < 100; i++)
		assert_true(sink_push(s, rec, make_rec(rec, i)));
	assert_int_equal(sink_queued(s), 100);
	assert_int_equal(stats_get(STAT_QUEUED), 100);
	/* Let several reconnect attempts fail (50+100+200 ms nominal). */
	end = now_ms() + 600;
	while (now_ms() < end)
		assert_true(reactor_run_once(f->r, 50) >= 0);
	assert_false(sink_connected(s));
	/* Failures are logged once, not once per attempt. */
	assert_int_equal(test_log_count_matching("cannot connect"), 1);
	assert_non_null(strstr(test_log_last(), f->path));
	listener_open(f);
	run_until_connected(f, s, true);
	c = accept_one(f);
	rx_until(f, x, c, 99);
	assert_int_equal(x->first_seq, 0);
	assert_int_equal(x->count, 100);
	assert_int_equal(stats_get(STAT_WRITTEN), 100);
	assert_int_equal(stats_get(STAT_RECONNECTS), 1);
	assert_true(sink_idle(s));
	assert_true(test_log_count_matching("connected after") == 1);
	/* The failures grew the delay to >= 640 ms; a connection resets it,
	 * so losing this one is followed by a retry within ~60 ms. */
	{
		uint64_t t0;

		close(c);
		run_until_connected(f, s, false);
		t0 = now_ms();
		run_until_connected(f, s, true);
		if (now_ms() - t0 > 500)
			fail_msg("reconnect took %llu ms: backoff not reset by the connection",
				 (unsigned long long)(now_ms() - t0));
		c = accept_one(f);
	}
	close(c);
	sink_destroy(s);
	free(x);
}

static void corked_pushes_wait_for_uncork_then_go_out_together(void **state)
{
	struct fixture *f = *state;
	struct sink *s = sink_for(f, SINK_QUEUE_DEFAULT_BYTES);
	uint8_t rec[REC_MAX];
	struct rx *x = malloc(sizeof(*x));
	unsigned i;
	int c;

	assert_non_null(x);
	rx_init(x);
	listener_open(f);
	assert_int_equal(sink_start(s), 0);
	run_until_connected(f, s, true);
	c = accept_one(f);
	sink_cork(s);
	for (i = 0; i < 10; i++)
		assert_true(sink_push(s, rec, make_rec(rec, i)));
	run_until_quiet(f);
	assert_true(rx_read(x, c));
	assert_int_equal(x->bytes, 0);
	assert_int_equal(stats_get(STAT_WRITTEN), 0);
	assert_int_equal(stats_get(STAT_QUEUED), 10);
	sink_uncork(s);
	/* Uncork writes at once, without waiting for the reactor. */
	assert_int_equal(stats_get(STAT_WRITTEN), 10);
	assert_true(sink_idle(s));
	assert_true(rx_read(x, c));
	assert_int_equal(x->count, 10);
	assert_int_equal(x->first_seq, 0);
	/* Uncorked again, a push goes out by itself. */
	assert_true(sink_push(s, rec, make_rec(rec, 10)));
	assert_int_equal(stats_get(STAT_WRITTEN), 11);
	close(c);
	sink_destroy(s);
	free(x);
}

static void flapping_listener_is_logged_rate_limited(void **state)
{
	struct fixture *f = *state;
	struct sink *s = sink_for(f, SINK_QUEUE_DEFAULT_BYTES);
	int i, c;

	listener_open(f);
	assert_int_equal(sink_start(s), 0);
	/* 20 connections accepted and dropped at once: the sink must keep
	 * reconnecting, and say so in a handful of lines, not 40. */
	for (i = 0; i < 20; i++) {
		run_until_connected(f, s, true);
		c = accept_one(f);
		close(c);
		run_until_connected(f, s, false);
	}
	assert_int_equal(stats_get(STAT_RECONNECTS), 20);
	assert_true(test_log_count() <= 6);
	assert_true(test_log_count_matching("connection lost") >= 1);
	sink_destroy(s);
}

static void record_cut_by_dead_connection_is_resent_whole(void **state)
{
	struct fixture *f = *state;
	struct sink *s = sink_for(f, (size_t)8 << 20);
	uint8_t rec[REC_MAX];
	struct rx *x1 = malloc(sizeof(*x1)), *x2 = malloc(sizeof(*x2));
	const unsigned n = 2000;  /* ~4 MB: far more than a socket buffer */
	unsigned i;
	int c;

	assert_non_null(x1);
	assert_non_null(x2);
	rx_init(x1);
	rx_init(x2);
	/* Queue everything while there is no listener, so the first flush
	 * writes many records per sendmsg and the socket fills mid-record. */
	assert_int_equal(sink_start(s), 0);
	for (i = 0; i < n; i++)
		assert_true(sink_push(s, rec, make_rec(rec, i)));
	listener_open(f);
	run_until_connected(f, s, true);
	run_until_quiet(f);
	c = accept_one(f);
	/* Take what the first connection holds, then kill it and the
	 * listener before the sink can write more. */
	assert_true(rx_read(x1, c));
	assert_true(x1->count > 0 && x1->count < n);
	assert_int_equal(x1->first_seq, 0);
	if (x1->have == 0)
		fail_msg("the socket filled exactly at a record boundary (%zu bytes): "
			 "no record was cut, so the rewind is not exercised", x1->bytes);
	assert_int_equal(stats_get(STAT_WRITTEN), x1->count);
	close(c);
	listener_close(f);
	run_until_connected(f, s, false);
	assert_int_equal(sink_queued(s), n - x1->count);
	assert_int_equal(test_log_count_matching("sent again whole"), 1);
	/* A new listener (the host restarted) gets the cut record whole
	 * first, then the rest. */
	listener_open(f);
	run_until_connected(f, s, true);
	c = accept_one(f);
	rx_until(f, x2, c, n - 1);
	assert_int_equal(x2->first_seq, x1->count);
	assert_int_equal(x2->count, n - x1->count);
	assert_int_equal(x2->have, 0);
	assert_int_equal(stats_get(STAT_WRITTEN), n);
	assert_int_equal(stats_get(STAT_RECONNECTS), 2);
	assert_true(sink_idle(s));
	close(c);
	sink_destroy(s);
	free(x1);
	free(x2);
}

static void full_queue_while_disconnected_refuses_new_records(void **state)
{
	struct fixture *f = *state;
	struct sink *s = sink_for(f, SINK_QUEUE_MIN_BYTES * 2);
	uint8_t rec[REC_MAX];
	struct rx *x = malloc(sizeof(*x));
	unsigned i, accepted = 0, refused = 0;
	int c;

	assert_non_null(x);
	rx_init(x);
	assert_int_equal(sink_start(s), 0);
	for (i = 0; i < 50; i++) {
		if (sink_push(s, rec, make_rec(rec, accepted)))
			accepted++;
		else
			refused++;
	}
	assert_true(accepted > 0 && refused > 0);
	assert_int_equal(sink_queued(s), accepted);
	/* What was accepted arrives intact and in order. */
	listener_open(f);
	run_until_connected(f, s, true);
	c = accept_one(f);
	rx_until(f, x, c, accepted - 1);
	assert_int_equal(x->count, accepted);
	assert_int_equal(x->have, 0);
	close(c);
	sink_destroy(s);
	free(x);
}

static void peer_hangup_while_idle_is_noticed_and_reconnected(void **state)
{
	struct fixture *f = *state;
	struct sink *s = sink_for(f, SINK_QUEUE_DEFAULT_BYTES);
	int c;

	listener_open(f);
	assert_int_equal(sink_start(s), 0);
	run_until_connected(f, s, true);
	c = accept_one(f);
	/* Nothing to write: the hangup alone must be seen. */
	close(c);
	run_until_connected(f, s, false);
	run_until_connected(f, s, true);
	assert_int_equal(stats_get(STAT_RECONNECTS), 2);
	c = accept_one(f);
	close(c);
	sink_destroy(s);
}

/* ---- stdout ---- */

struct saved_stdout {
	int fd;
};

static void stdout_redirect(struct saved_stdout *sv, int to)
{
	fflush(stdout);
	sv->fd = dup(STDOUT_FILENO);
	assert_true(sv->fd >= 0);
	assert_true(dup2(to, STDOUT_FILENO) == STDOUT_FILENO);
}

static void stdout_restore(struct saved_stdout *sv)
{
	assert_true(dup2(sv->fd, STDOUT_FILENO) == STDOUT_FILENO);
	close(sv->fd);
}

static void stdout_sink_writes_records_and_survives_reader_going_away(void **state)
{
	struct fixture *f = *state;
	struct sink_addr a;
	struct saved_stdout sv;
	struct sink *s;
	struct rx *x = malloc(sizeof(*x));
	uint8_t rec[REC_MAX];
	unsigned i, refused = 0;
	int p[2], fl;

	assert_non_null(x);
	rx_init(x);
	assert_int_equal(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
	assert_int_equal(sink_addr_parse("-", &a, NULL, 0), 0);
	assert_int_equal(sink_create(&s, &a, SINK_QUEUE_MIN_BYTES * 4, f->r), 0);
	/* The write end in fd 1 is blocking, as a shell would give it. */
	fl = fcntl(p[1], F_GETFL);
	assert_int_equal(fcntl(p[1], F_SETFL, fl & ~O_NONBLOCK), 0);
	stdout_redirect(&sv, p[1]);
	close(p[1]);
	assert_int_equal(sink_start(s), 0);
	assert_true(fcntl(STDOUT_FILENO, F_GETFL) & O_NONBLOCK);
	assert_true(sink_connected(s));
	for (i = 0; i < 200; i++) {
		uint64_t end = now_ms() + DEADLINE_MS;
		size_t len = make_rec(rec, i);

		while (!sink_push(s, rec, len)) {
			assert_true(now_ms() < end);
			assert_true(reactor_run_once(f->r, 10) >= 0);
			assert_true(rx_read(x, p[0]));
		}
	}
	rx_until(f, x, p[0], 199);
	assert_int_equal(x->count, 200);
	assert_int_equal(stats_get(STAT_WRITTEN), 200);
	/* The reader goes away: the sink says so and keeps taking records
	 * until the queue is full; nothing kills the process. */
	close(p[0]);
	test_log_reset();
	for (i = 0; i < 100; i++)
		if (!sink_push(s, rec, make_rec(rec, i)))
			refused++;
	run_until_quiet(f);
	assert_false(sink_connected(s));
	assert_true(sink_idle(s));
	assert_true(refused > 0);
	assert_int_equal(test_log_count_matching("cannot write any more"), 1);
	sink_destroy(s);
	/* destroy gave fd 1 its blocking mode back. */
	assert_false(fcntl(STDOUT_FILENO, F_GETFL) & O_NONBLOCK);
	stdout_restore(&sv);
	free(x);
}

static void stdout_sink_writes_to_a_regular_file(void **state)
{
	struct fixture *f = *state;
	struct sink_addr a;
	struct saved_stdout sv;
	struct sink *s;
	struct rx *x = malloc(sizeof(*x));
	uint8_t rec[REC_MAX];
	char path[160];
	unsigned i;
	int fd;

	assert_non_null(x);
	rx_init(x);
	snprintf(path, sizeof(path), "%s/out", f->dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(sink_addr_parse("-", &a, NULL, 0), 0);
	assert_int_equal(sink_create(&s, &a, SINK_QUEUE_DEFAULT_BYTES, f->r), 0);
	stdout_redirect(&sv, fd);
	/* epoll refuses regular files: the sink must write without it. */
	assert_int_equal(sink_start(s), 0);
	for (i = 0; i < 300; i++)
		assert_true(sink_push(s, rec, make_rec(rec, i)));
	run_until_quiet(f);
	assert_true(sink_idle(s));
	sink_destroy(s);
	stdout_restore(&sv);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_true(rx_read(x, fd) == false);
	assert_int_equal(x->count, 300);
	assert_int_equal(x->have, 0);
	assert_int_equal(stats_get(STAT_WRITTEN), 300);
	close(fd);
	unlink(path);
	free(x);
}

/* ---- character devices ---- */

static void parse_accepts_chardev_absolute_path(void **state)
{
	struct sink_addr a;
	char err[ERR_BYTES];
	char buf[SINK_DESCRIBE_BYTES];

	assert_int_equal(sink_addr_parse("chardev:/dev/vport0p1", &a, err, sizeof(err)), 0);
	assert_int_equal(a.kind, SINK_CHARDEV);
	assert_string_equal(a.path, "/dev/vport0p1");
	sink_addr_describe(&a, buf, sizeof(buf));
	assert_string_equal(buf, "chardev:/dev/vport0p1");
}

static void parse_rejects_chardev_empty_relative_or_long_path(void **state)
{
	char uri[SINK_PATH_BYTES + 16];

	expect_reject("chardev:", "'chardev:': empty path", "1..107 bytes");
	expect_reject("chardev:dev/ttyS1", "path 'dev/ttyS1' is not absolute",
		      "chardev:/PATH");
	strcpy(uri, "chardev:/");
	memset(uri + 9, 'p', SINK_PATH_BYTES - 1);
	uri[9 + SINK_PATH_BYTES - 1] = '\0';
	expect_reject(uri, "path is 108 bytes", "at most 107 bytes");
}

struct pty {
	int master;
	char slave[64];
};

static void pty_open(struct pty *p)
{
	const char *name;

	p->master = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	assert_true(p->master >= 0);
	assert_int_equal(grantpt(p->master), 0);
	assert_int_equal(unlockpt(p->master), 0);
	name = ptsname(p->master);
	assert_non_null(name);
	assert_true(strlen(name) < sizeof(p->slave));
	strcpy(p->slave, name);
}

static struct sink *chardev_sink(struct fixture *f, const char *path)
{
	struct sink_addr a;
	char uri[160];
	struct sink *s;

	snprintf(uri, sizeof(uri), "chardev:%s", path);
	assert_int_equal(sink_addr_parse(uri, &a, NULL, 0), 0);
	assert_int_equal(sink_create(&s, &a, SINK_QUEUE_DEFAULT_BYTES, f->r), 0);
	return s;
}

/* Records hold every byte value, '\n' included: a tty left in its default
 * mode would turn each '\n' into "\r\n" on the way (OPOST/ONLCR), and the
 * reader would find the records misframed. */
static void chardev_sink_sets_a_tty_raw_and_bytes_arrive_unchanged(void **state)
{
	struct fixture *f = *state;
	struct pty p;
	struct sink *s;
	struct termios t;
	uint8_t rec[REC_MAX];
	struct rx *x = malloc(sizeof(*x));
	const unsigned n = 200;  /* ~400 KB: far more than a pty buffers */
	unsigned i;
	int probe;

	assert_non_null(x);
	rx_init(x);
	pty_open(&p);
	s = chardev_sink(f, p.slave);
	assert_int_equal(sink_start(s), 0);
	run_until_connected(f, s, true);
	probe = open(p.slave, O_RDONLY | O_NOCTTY | O_CLOEXEC);
	assert_true(probe >= 0);
	assert_int_equal(tcgetattr(probe, &t), 0);
	close(probe);
	assert_int_equal(t.c_oflag & OPOST, 0);
	assert_int_equal(t.c_lflag & (ICANON | ECHO | ISIG), 0);
	assert_int_equal(t.c_cflag & CSIZE, CS8);
	assert_true(t.c_cflag & CLOCAL);
	for (i = 0; i < n; i++) {
		size_t len = make_rec(rec, i);
		uint64_t end = now_ms() + DEADLINE_MS;

		while (!sink_push(s, rec, len)) {
			assert_true(now_ms() < end);
			assert_true(reactor_run_once(f->r, 10) >= 0);
			assert_true(rx_read(x, p.master));
		}
	}
	rx_until(f, x, p.master, n - 1);
	assert_int_equal(x->first_seq, 0);
	assert_int_equal(x->count, n);
	assert_int_equal(x->have, 0);
	assert_true(sink_idle(s));
	assert_int_equal(stats_get(STAT_WRITTEN), n);
	assert_int_equal(stats_get(STAT_RECONNECTS), 1);
	sink_destroy(s);
	assert_int_equal(reactor_count(f->r), 0);
	close(p.master);
	free(x);
}

/* A virtio port's node appears only once its driver is loaded: until
 * then the sink retries, keeping what was queued. */
static void chardev_sink_retries_until_the_device_appears(void **state)
{
	struct fixture *f = *state;
	struct pty p;
	struct sink *s;
	uint8_t rec[REC_MAX];
	struct rx *x = malloc(sizeof(*x));
	char link[160];
	uint64_t end;
	unsigned i;

	assert_non_null(x);
	rx_init(x);
	pty_open(&p);
	snprintf(link, sizeof(link), "%s/port", f->dir);
	s = chardev_sink(f, link);
	assert_int_equal(sink_start(s), 0);
	for (i = 0; i < 20; i++)
		assert_true(sink_push(s, rec, make_rec(rec, i)));
	end = now_ms() + 300;
	while (now_ms() < end)
		assert_true(reactor_run_once(f->r, 50) >= 0);
	assert_false(sink_connected(s));
	assert_int_equal(sink_queued(s), 20);
	assert_int_equal(test_log_count_matching("cannot connect"), 1);
	assert_non_null(strstr(test_log_last(), "No such file or directory"));
	assert_int_equal(symlink(p.slave, link), 0);
	run_until_connected(f, s, true);
	rx_until(f, x, p.master, 19);
	assert_int_equal(x->first_seq, 0);
	assert_int_equal(x->count, 20);
	assert_true(sink_idle(s));
	sink_destroy(s);
	close(p.master);
	unlink(link);
	free(x);
}

/* The other end going away (a pty's master closing, like a virtio port's
 * host side) is a lost connection: records stay queued for the next. */
static void chardev_sink_hangup_is_a_lost_connection_keeping_records(void **state)
{
	struct fixture *f = *state;
	struct pty p;
	struct sink *s;
	uint8_t rec[REC_MAX];
	unsigned i;

	pty_open(&p);
	s = chardev_sink(f, p.slave);
	assert_int_equal(sink_start(s), 0);
	run_until_connected(f, s, true);
	close(p.master);
	run_until_connected(f, s, false);
	assert_int_equal(test_log_count_matching("connection lost"), 1);
	for (i = 0; i < 10; i++)
		assert_true(sink_push(s, rec, make_rec(rec, i)));
	run_until_quiet(f);
	assert_false(sink_connected(s));
	assert_int_equal(sink_queued(s), 10);
	assert_false(sink_idle(s));
	assert_int_equal(stats_get(STAT_WRITTEN), 0);
	sink_destroy(s);
	assert_int_equal(reactor_count(f->r), 0);
}

static void chardev_sink_refuses_what_is_not_a_character_device(void **state)
{
	struct fixture *f = *state;
	struct sink *s;
	char path[160];
	uint64_t end;
	int fd;

	snprintf(path, sizeof(path), "%s/plain-file", f->dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	close(fd);
	s = chardev_sink(f, path);
	assert_int_equal(sink_start(s), 0);
	end = now_ms() + 200;
	while (now_ms() < end)
		assert_true(reactor_run_once(f->r, 50) >= 0);
	assert_false(sink_connected(s));
	assert_int_equal(test_log_count_matching("cannot connect: No such device"), 1);
	sink_destroy(s);
	unlink(path);
}

/* /dev/null cannot be watched by epoll: plain writes, nothing stalls. */
static void chardev_sink_writes_to_an_unpollable_device(void **state)
{
	struct fixture *f = *state;
	struct sink *s = chardev_sink(f, "/dev/null");
	uint8_t rec[REC_MAX];
	unsigned i;

	assert_int_equal(sink_start(s), 0);
	assert_true(sink_connected(s));
	for (i = 0; i < 50; i++)
		assert_true(sink_push(s, rec, make_rec(rec, i)));
	run_until_quiet(f);
	assert_true(sink_idle(s));
	assert_int_equal(stats_get(STAT_WRITTEN), 50);
	sink_destroy(s);
	assert_int_equal(reactor_count(f->r), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_accepts_vsock_unix_and_stdout),
		cmocka_unit_test(parse_rejects_non_numeric_cid_naming_it),
		cmocka_unit_test(parse_rejects_vsock_without_port),
		cmocka_unit_test(parse_rejects_out_of_range_or_trailing_garbage),
		cmocka_unit_test(parse_rejects_empty_unix_path),
		cmocka_unit_test(parse_rejects_unix_path_longer_than_sun_path),
		cmocka_unit_test(parse_rejects_garbage_listing_the_allowed_forms),
		cmocka_unit_test(describe_names_the_address),
		cmocka_unit_test(create_rejects_queue_sizes_out_of_range),
		cmocka_unit_test_setup_teardown(records_arrive_whole_and_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(queued_records_arrive_once_listener_appears, setup, teardown),
		cmocka_unit_test_setup_teardown(corked_pushes_wait_for_uncork_then_go_out_together, setup, teardown),
		cmocka_unit_test_setup_teardown(flapping_listener_is_logged_rate_limited, setup, teardown),
		cmocka_unit_test_setup_teardown(record_cut_by_dead_connection_is_resent_whole, setup, teardown),
		cmocka_unit_test_setup_teardown(full_queue_while_disconnected_refuses_new_records, setup, teardown),
		cmocka_unit_test_setup_teardown(peer_hangup_while_idle_is_noticed_and_reconnected, setup, teardown),
		cmocka_unit_test_setup_teardown(stdout_sink_writes_records_and_survives_reader_going_away, setup, teardown),
		cmocka_unit_test_setup_teardown(stdout_sink_writes_to_a_regular_file, setup, teardown),
		cmocka_unit_test(parse_accepts_chardev_absolute_path),
		cmocka_unit_test(parse_rejects_chardev_empty_relative_or_long_path),
		cmocka_unit_test_setup_teardown(chardev_sink_sets_a_tty_raw_and_bytes_arrive_unchanged, setup, teardown),
		cmocka_unit_test_setup_teardown(chardev_sink_retries_until_the_device_appears, setup, teardown),
		cmocka_unit_test_setup_teardown(chardev_sink_hangup_is_a_lost_connection_keeping_records, setup, teardown),
		cmocka_unit_test_setup_teardown(chardev_sink_refuses_what_is_not_a_character_device, setup, teardown),
		cmocka_unit_test_setup_teardown(chardev_sink_writes_to_an_unpollable_device, setup, teardown),
	};

	return cmocka_run_group_tests_name("agent-sink", tests, NULL, NULL);
}
