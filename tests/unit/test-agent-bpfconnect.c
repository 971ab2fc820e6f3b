/*
 * test-agent-bpfconnect.c - the connect program's instructions and the ring
 * buffer reader (src/agent/bpfconnect_prog.c): every variant ends in
 * "return 1" on every path, calls exactly the helpers it is meant to,
 * refers to the maps it was given, keeps its stack accesses inside the
 * record, and the reader hands over complete records in order, skips
 * discarded ones, stops at a busy one and handles wrap-around.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "agent/bpfconnect_prog.h"

#define RING_FD 7
#define LOST_FD 9

static size_t build(struct bpf_insn *p, enum bpfconnect_hook hook, unsigned flags)
{
	size_t n = bpfconnect_build(p, BPFCONNECT_PROG_MAX, RING_FD, LOST_FD,
				    hook, flags);
	assert_true(n > 0);
	assert_true(n <= BPFCONNECT_PROG_MAX);
	return n;
}

static bool calls(const struct bpf_insn *p, size_t n, int32_t helper)
{
	for (size_t i = 0; i < n; i++)
		if (p[i].code == (BPF_JMP | BPF_CALL) && p[i].imm == helper)
			return true;
	return false;
}

static bool is_ld_imm64(const struct bpf_insn *i)
{
	return i->code == (BPF_LD | BPF_DW | BPF_IMM);
}

static void with_comm_calls_the_four_helpers(void **state)
{
	struct bpf_insn p[BPFCONNECT_PROG_MAX];
	size_t n = build(p, BPFCONNECT_INET4, BPFCONNECT_COMM);

	(void)state;
	assert_true(calls(p, n, BPF_FUNC_get_current_pid_tgid));
	assert_true(calls(p, n, BPF_FUNC_ktime_get_ns));
	assert_true(calls(p, n, BPF_FUNC_get_current_comm));
	assert_true(calls(p, n, BPF_FUNC_ringbuf_output));
}

static void without_comm_never_calls_get_current_comm(void **state)
{
	struct bpf_insn p[BPFCONNECT_PROG_MAX];
	size_t n = build(p, BPFCONNECT_INET6, 0);

	(void)state;
	assert_false(calls(p, n, BPF_FUNC_get_current_comm));
	assert_true(calls(p, n, BPF_FUNC_get_current_pid_tgid));
	assert_true(calls(p, n, BPF_FUNC_ringbuf_output));
}

/* Walk every path (the only branch is a forward jump): each must reach
 * "r0 = 1; exit" and no jump may leave the program. */
static void every_path_returns_allow(void **state)
{
	(void)state;
	for (unsigned flags = 0; flags <= BPFCONNECT_COMM; flags++) {
		for (int h = 0; h < BPFCONNECT_HOOKS; h++) {
			struct bpf_insn p[BPFCONNECT_PROG_MAX];
			size_t n = build(p, (enum bpfconnect_hook)h, flags);
			assert_int_equal(p[n - 1].code, BPF_JMP | BPF_EXIT);
			assert_int_equal(p[n - 2].code, BPF_ALU64 | BPF_MOV | BPF_K);
			assert_int_equal(p[n - 2].dst_reg, BPF_REG_0);
			assert_int_equal(p[n - 2].imm, 1);
			for (size_t i = 0; i < n; i++) {
				if (is_ld_imm64(&p[i])) {
					i++;
					continue;
				}
				if ((p[i].code & 0x07) != BPF_JMP ||
				    p[i].code == (BPF_JMP | BPF_CALL) ||
				    p[i].code == (BPF_JMP | BPF_EXIT))
					continue;
				assert_true(p[i].off >= 0);
				size_t target = i + 1 + (size_t)p[i].off;
				/* The skip lands on the final "r0 = 1". */
				assert_int_equal(target, n - 2);
			}
		}
	}
}

static void maps_are_referenced_by_their_descriptors(void **state)
{
	struct bpf_insn p[BPFCONNECT_PROG_MAX];
	size_t n = build(p, BPFCONNECT_UNIX, BPFCONNECT_COMM);
	int ring = 0, lost = 0;

	(void)state;
	for (size_t i = 0; i + 1 < n; i++) {
		if (!is_ld_imm64(&p[i]))
			continue;
		assert_int_equal(p[i + 1].code, 0);
		if (p[i].src_reg == BPF_PSEUDO_MAP_FD) {
			assert_int_equal(p[i].imm, RING_FD);
			ring++;
		} else {
			assert_int_equal(p[i].src_reg, BPF_PSEUDO_MAP_VALUE);
			assert_int_equal(p[i].imm, LOST_FD);
			assert_int_equal(p[i + 1].imm, 0);
			lost++;
		}
		i++;
	}
	assert_int_equal(ring, 1);
	assert_int_equal(lost, 1);
}

/* Stores through the frame pointer stay inside the record, and the hook
 * stored is the one asked for. */
static void stack_stores_stay_in_the_record(void **state)
{
	const int lo = -(int)sizeof(struct bpfconnect_record);

	(void)state;
	for (int h = 0; h < BPFCONNECT_HOOKS; h++) {
		struct bpf_insn p[BPFCONNECT_PROG_MAX];
		size_t n = build(p, (enum bpfconnect_hook)h, BPFCONNECT_COMM);
		bool hook_stored = false;
		for (size_t i = 0; i < n; i++) {
			uint8_t cls = p[i].code & 0x07;
			if ((cls != BPF_ST && cls != BPF_STX) || p[i].dst_reg != BPF_REG_10)
				continue;
			assert_true(p[i].off >= lo);
			assert_true(p[i].off < 0);
			if (cls == BPF_ST &&
			    p[i].off == lo + (int)offsetof(struct bpfconnect_record, hook)) {
				assert_int_equal(p[i].imm, h);
				hook_stored = true;
			}
		}
		assert_true(hook_stored);
	}
}

static void unknown_hook_or_small_buffer_builds_nothing(void **state)
{
	struct bpf_insn p[BPFCONNECT_PROG_MAX];

	(void)state;
	assert_int_equal(bpfconnect_build(p, BPFCONNECT_PROG_MAX, RING_FD, LOST_FD,
					  BPFCONNECT_HOOKS, 0), 0);
	assert_int_equal(bpfconnect_build(p, 5, RING_FD, LOST_FD,
					  BPFCONNECT_INET4, BPFCONNECT_COMM), 0);
}

static void attach_types_are_the_connect_hooks(void **state)
{
	(void)state;
	assert_int_equal(bpfconnect_attach_type(BPFCONNECT_INET4), BPF_CGROUP_INET4_CONNECT);
	assert_int_equal(bpfconnect_attach_type(BPFCONNECT_INET6), BPF_CGROUP_INET6_CONNECT);
	/* 6.7's value, after the 6.1 enum's last (BPF_LSM_CGROUP) plus
	 * STRUCT_OPS, NETFILTER, TCX_INGRESS, TCX_EGRESS, UPROBE_MULTI. */
	assert_int_equal(bpfconnect_attach_type(BPFCONNECT_UNIX), BPF_LSM_CGROUP + 6);
}

/* ---- ring reader ---- */

#define DATA 256

struct fake_ring {
	uint64_t cons, prod;
	uint8_t data[2 * DATA];   /* the second half mirrors the first */
	struct bpfconnect_ring rb;
};

static void fake_init(struct fake_ring *f)
{
	memset(f, 0, sizeof(*f));
	f->rb.consumer_pos = &f->cons;
	f->rb.producer_pos = &f->prod;
	f->rb.data = f->data;
	f->rb.data_size = DATA;
}

/* Append a record of len bytes filled with tag, header flags or'ed in. */
static void fake_put(struct fake_ring *f, uint32_t len, uint8_t tag, uint32_t flags)
{
	uint64_t pos = f->prod;
	uint32_t hdr = len | flags;
	uint64_t total = (len + BPFCONNECT_RB_HDR + 7u) & ~7ull;

	for (uint64_t i = 0; i < total; i++) {
		uint8_t byte;
		if (i < 4)
			byte = ((const uint8_t *)&hdr)[i];
		else if (i < BPFCONNECT_RB_HDR)
			byte = 0;
		else
			byte = tag;
		size_t at = (size_t)((pos + i) & (DATA - 1));
		f->data[at] = byte;
		f->data[at + DATA] = byte;
	}
	f->prod += total;
}

struct seen {
	size_t n;
	uint8_t tags[16];
	uint32_t lens[16];
};

static void collect(void *ctx, const void *sample, uint32_t len)
{
	struct seen *s = ctx;
	const uint8_t *b = sample;

	for (uint32_t i = 1; i < len; i++)
		assert_int_equal(b[i], b[0]);
	s->tags[s->n] = b[0];
	s->lens[s->n] = len;
	s->n++;
}

static void ring_hands_over_records_in_order(void **state)
{
	struct fake_ring f;
	struct seen s = { 0 };

	(void)state;
	fake_init(&f);
	fake_put(&f, 32, 'a', 0);
	fake_put(&f, 5, 'b', 0);
	fake_put(&f, 32, 'c', 0);
	assert_int_equal(bpfconnect_ring_drain(&f.rb, 16, collect, &s), 3);
	assert_int_equal(s.tags[0], 'a');
	assert_int_equal(s.lens[1], 5);
	assert_int_equal(s.tags[2], 'c');
	assert_int_equal(f.cons, f.prod);
}

static void ring_skips_discarded_and_stops_at_busy(void **state)
{
	struct fake_ring f;
	struct seen s = { 0 };

	(void)state;
	fake_init(&f);
	fake_put(&f, 32, 'a', BPFCONNECT_RB_DISCARD);
	fake_put(&f, 32, 'b', 0);
	uint64_t busy_at = f.prod;
	fake_put(&f, 32, 'c', BPFCONNECT_RB_BUSY);
	fake_put(&f, 32, 'd', 0);
	assert_int_equal(bpfconnect_ring_drain(&f.rb, 16, collect, &s), 1);
	assert_int_equal(s.tags[0], 'b');
	assert_int_equal(f.cons, busy_at);
}

static void ring_respects_max_and_wraps(void **state)
{
	struct fake_ring f;
	struct seen s = { 0 };

	(void)state;
	fake_init(&f);
	/* 40-byte records: the sixth and seventh straddle the end. */
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 4; i++)
			fake_put(&f, 32, (uint8_t)('a' + round * 4 + i), 0);
		s.n = 0;
		assert_int_equal(bpfconnect_ring_drain(&f.rb, 3, collect, &s), 3);
		assert_int_equal(bpfconnect_ring_drain(&f.rb, 3, collect, &s), 1);
		for (int i = 0; i < 4; i++)
			assert_int_equal(s.tags[i], 'a' + round * 4 + i);
		assert_int_equal(f.cons, f.prod);
	}
	assert_true(f.prod > DATA);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(with_comm_calls_the_four_helpers),
		cmocka_unit_test(without_comm_never_calls_get_current_comm),
		cmocka_unit_test(every_path_returns_allow),
		cmocka_unit_test(maps_are_referenced_by_their_descriptors),
		cmocka_unit_test(stack_stores_stay_in_the_record),
		cmocka_unit_test(unknown_hook_or_small_buffer_builds_nothing),
		cmocka_unit_test(attach_types_are_the_connect_hooks),
		cmocka_unit_test(ring_hands_over_records_in_order),
		cmocka_unit_test(ring_skips_discarded_and_stops_at_busy),
		cmocka_unit_test(ring_respects_max_and_wraps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
