/*
 * agent-doubles.c - the agent unit tests' helpers (see agent-doubles.h).
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>

#include "agent-doubles.h"

/* ---- the pump's records, decoded ---- */

struct wire_event test_frames[TEST_MAX_FRAMES];
static unsigned n_frames;

static bool record(void *ctx, const uint8_t *rec, size_t len)
{
	size_t used = 0;

	(void)ctx;
	assert_true(n_frames < TEST_MAX_FRAMES);
	assert_int_equal(wire_decode_frame(rec, len, &test_frames[n_frames], &used, NULL),
			 WIRE_OK);
	assert_int_equal(used, len);
	n_frames++;
	return true;
}

void test_pump_init(struct pump *p)
{
	pump_init(p, PUMP_FORMAT_FRAMES, record, NULL);
	test_frames_reset();
}

void test_frames_reset(void)
{
	memset(test_frames, 0, sizeof(test_frames));
	n_frames = 0;
}

unsigned test_frame_count(void)
{
	return n_frames;
}

/* ---- the log ---- */

#define TEST_LOG_BYTES (256 * 1024)

static int log_fd = -1;
static char text[TEST_LOG_BYTES + 1];
static char last[LOG_LINE_BYTES];

void test_log_reset(void)
{
	if (log_fd < 0) {
		log_fd = memfd_create("test-log", MFD_CLOEXEC);
		assert_true(log_fd >= 0);
		log_set_fd(log_fd);
	}
	assert_int_equal(ftruncate(log_fd, 0), 0);
	assert_int_equal(lseek(log_fd, 0, SEEK_SET), 0);
}

/* What was logged since the reset, NUL-terminated in text. */
static size_t load(void)
{
	ssize_t n;

	if (log_fd < 0)
		return text[0] = '\0', 0;
	n = pread(log_fd, text, TEST_LOG_BYTES, 0);
	assert_true(n >= 0);
	text[n] = '\0';
	if (getenv("TEST_VERBOSE"))
		fprintf(stderr, "%s", text);
	return (size_t)n;
}

unsigned test_log_count(void)
{
	unsigned n = 0;

	load();
	for (const char *p = text; (p = strchr(p, '\n')) != NULL; p++)
		n++;
	return n;
}

const char *test_log_last(void)
{
	size_t n = load();
	const char *start;

	last[0] = '\0';
	if (n == 0)
		return last;
	text[n - 1] = '\0';              /* the last newline */
	start = strrchr(text, '\n');
	start = start ? start + 1 : text;
	n = strlen(start);
	if (n >= sizeof(last))
		n = sizeof(last) - 1;
	memcpy(last, start, n);
	last[n] = '\0';
	return last;
}

unsigned test_log_count_matching(const char *needle)
{
	unsigned n = 0;
	char *line = text;

	load();
	for (char *nl; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
		*nl = '\0';
		n += strstr(line, needle) != NULL;
	}
	return n;
}
