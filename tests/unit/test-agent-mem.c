/*
 * test-agent-mem.c - fixed buffers, resident before the first event
 * (src/agent/mem.c).  Residency is read from the kernel with mincore(2):
 * what mem.h promises is exactly which pages are in memory when.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>

#include "agent/mem.h"

#define PAGES 32

/* How many of the pages of [p, p + len) are resident. */
static size_t resident_pages(const void *p, size_t len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	uintptr_t start = (uintptr_t)p & ~(uintptr_t)(page - 1);
	size_t n = ((uintptr_t)p + len - start + page - 1) / page;
	unsigned char vec[PAGES * 2 + 2];
	size_t in = 0;

	assert_true(n <= sizeof(vec));
	assert_int_equal(mincore((void *)start, n * page, vec), 0);
	for (size_t i = 0; i < n; i++)
		in += vec[i] & 1;
	return in;
}

/* How many pages [p, p + len) spans (heap memory is not page-aligned). */
static size_t spanned_pages(const void *p, size_t len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	uintptr_t start = (uintptr_t)p & ~(uintptr_t)(page - 1);

	return ((uintptr_t)p + len - start + page - 1) / page;
}

static size_t all_zero(const unsigned char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != 0)
			return 0;
	return 1;
}

/* One sequence: mem_settle() is once per process, as in the agent. */
static void untouched_until_settle_then_resident(void **state)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t len = PAGES * page;
	unsigned char *a, *b, *late;
	unsigned char *full[MEM_REGIONS_MAX];
	size_t i;

	(void)state;
	a = mem_resident(PAGES, page);
	b = mem_resident(len / 8, 8);
	assert_non_null(a);
	assert_non_null(b);
	/* Before the ready line: not one page in memory. */
	assert_int_equal(resident_pages(a, len), 0);
	assert_int_equal(resident_pages(b, len), 0);

	/* A freed region is gone and is not touched by mem_settle(). */
	mem_free(b);

	/* More regions than the table holds: the ones beyond it are
	 * resident at once (never a page fault after the ready line). */
	for (i = 0; i < MEM_REGIONS_MAX; i++) {
		full[i] = mem_resident(1, page);
		assert_non_null(full[i]);
	}
	/* a and MEM_REGIONS_MAX - 1 of them fill the table. */
	assert_int_equal(resident_pages(full[MEM_REGIONS_MAX - 2], page), 0);
	assert_int_equal(resident_pages(full[MEM_REGIONS_MAX - 1], page),
			 spanned_pages(full[MEM_REGIONS_MAX - 1], page));
	assert_true(all_zero(full[MEM_REGIONS_MAX - 1], page));

	mem_settle();
	assert_int_equal(resident_pages(a, len), PAGES);
	assert_int_equal(resident_pages(full[0], page), 1);
	assert_true(all_zero(a, len));
	a[len - 1] = 7; /* writable */

	for (i = 0; i < MEM_REGIONS_MAX; i++)
		mem_free(full[i]);

	/* After it, a new region is resident at once. */
	late = mem_resident(PAGES, page);
	assert_non_null(late);
	assert_int_equal(resident_pages(late, len), PAGES);
	assert_true(all_zero(late, len));

	mem_free(a);
	mem_free(late);
	mem_free(NULL);
}

static void size_overflow_is_enomem(void **state)
{
	(void)state;
	errno = 0;
	assert_null(mem_resident(SIZE_MAX / 2, 4));
	assert_int_equal(errno, ENOMEM);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(untouched_until_settle_then_resident),
		cmocka_unit_test(size_overflow_is_enomem),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
