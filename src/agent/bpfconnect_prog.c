/*
 * bpfconnect_prog.c - build the connect-watching cgroup BPF program; read
 * the ring buffer it writes.
 */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "agent/bpfconnect_prog.h"

/* Debian 12's headers (6.1) predate the Unix-socket hooks (6.7): the
 * value is fixed by the kernel's ABI. */
#define ATTACH_UNIX_CONNECT 49u

/* Stack layout: the record at fp-32, the lost-counter key below it. */
#define REC_OFF (-(int)sizeof(struct bpfconnect_record))
#define REC_TGID (REC_OFF + (int)offsetof(struct bpfconnect_record, tgid))
#define REC_HOOK (REC_OFF + (int)offsetof(struct bpfconnect_record, hook))
#define REC_TS (REC_OFF + (int)offsetof(struct bpfconnect_record, ts_ns))
#define REC_COMM (REC_OFF + (int)offsetof(struct bpfconnect_record, comm))

_Static_assert(sizeof(struct bpfconnect_record) == 32 &&
	       sizeof(struct bpfconnect_record) % 8 == 0,
	       "the record is zeroed in 8-byte stores");

/* The verdict that lets the connect proceed. */
#define ALLOW 1

static struct bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src,
			    int16_t off, int32_t imm)
{
	struct bpf_insn i;

	memset(&i, 0, sizeof(i));
	i.code = code;
	i.dst_reg = dst & 0xf;
	i.src_reg = src & 0xf;
	i.off = off;
	i.imm = imm;
	return i;
}

struct builder {
	struct bpf_insn *out;
	size_t max, n;
	bool overflow;
};

static void emit(struct builder *b, struct bpf_insn i)
{
	if (b->n >= b->max) {
		b->overflow = true;
		return;
	}
	b->out[b->n++] = i;
}

static void mov_imm(struct builder *b, uint8_t dst, int32_t imm)
{
	emit(b, insn(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm));
}

static void mov_reg(struct builder *b, uint8_t dst, uint8_t src)
{
	emit(b, insn(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0));
}

static void add_imm(struct builder *b, uint8_t dst, int32_t imm)
{
	emit(b, insn(BPF_ALU64 | BPF_ADD | BPF_K, dst, 0, 0, imm));
}

static void stx(struct builder *b, uint8_t size, uint8_t dst, int16_t off,
		uint8_t src)
{
	emit(b, insn(BPF_STX | size | BPF_MEM, dst, src, off, 0));
}

static void st_imm(struct builder *b, uint8_t size, uint8_t dst, int16_t off,
		   int32_t imm)
{
	emit(b, insn(BPF_ST | size | BPF_MEM, dst, 0, off, imm));
}

static void call(struct builder *b, int32_t helper)
{
	emit(b, insn(BPF_JMP | BPF_CALL, 0, 0, 0, helper));
}

/* A 64-bit load of a map reference: two instructions.  kind is
 * BPF_PSEUDO_MAP_FD (the map) or BPF_PSEUDO_MAP_VALUE (the address of
 * its value at offset off of element 0). */
static void ld_map(struct builder *b, uint8_t dst, uint8_t kind, int fd,
		   int32_t off)
{
	emit(b, insn(BPF_LD | BPF_DW | BPF_IMM, dst, kind, 0, fd));
	emit(b, insn(0, 0, 0, 0, off));
}

uint32_t bpfconnect_attach_type(enum bpfconnect_hook hook)
{
	switch (hook) {
	case BPFCONNECT_INET4:
		return BPF_CGROUP_INET4_CONNECT;
	case BPFCONNECT_INET6:
		return BPF_CGROUP_INET6_CONNECT;
	case BPFCONNECT_UNIX:
	default:
		return ATTACH_UNIX_CONNECT;
	}
}

const char *bpfconnect_hook_name(enum bpfconnect_hook hook)
{
	static const char *const names[BPFCONNECT_HOOKS] = {
		"inet4", "inet6", "unix",
	};

	return (unsigned)hook < BPFCONNECT_HOOKS ? names[hook] : "?";
}

size_t bpfconnect_build(struct bpf_insn *out, size_t max, int ring_fd,
			int lost_fd, enum bpfconnect_hook hook, unsigned flags)
{
	struct builder b = { .out = out, .max = max };
	const uint8_t fp = BPF_REG_10;
	size_t skip_at;

	if ((unsigned)hook >= BPFCONNECT_HOOKS)
		return 0;

	/* The whole record is initialised: bpf_ringbuf_output reads it. */
	mov_imm(&b, BPF_REG_1, 0);
	for (int off = REC_OFF; off < 0; off += 8)
		stx(&b, BPF_DW, fp, (int16_t)off, BPF_REG_1);

	call(&b, BPF_FUNC_get_current_pid_tgid);
	emit(&b, insn(BPF_ALU64 | BPF_RSH | BPF_K, BPF_REG_0, 0, 0, 32));
	stx(&b, BPF_W, fp, REC_TGID, BPF_REG_0);
	st_imm(&b, BPF_W, fp, REC_HOOK, (int32_t)hook);
	call(&b, BPF_FUNC_ktime_get_ns);
	stx(&b, BPF_DW, fp, REC_TS, BPF_REG_0);

	if (flags & BPFCONNECT_COMM) {
		mov_reg(&b, BPF_REG_1, fp);
		add_imm(&b, BPF_REG_1, REC_COMM);
		mov_imm(&b, BPF_REG_2, BPFCONNECT_COMM_LEN);
		call(&b, BPF_FUNC_get_current_comm);
	}

	ld_map(&b, BPF_REG_1, BPF_PSEUDO_MAP_FD, ring_fd, 0);
	mov_reg(&b, BPF_REG_2, fp);
	add_imm(&b, BPF_REG_2, REC_OFF);
	mov_imm(&b, BPF_REG_3, (int32_t)sizeof(struct bpfconnect_record));
	mov_imm(&b, BPF_REG_4, 0);
	call(&b, BPF_FUNC_ringbuf_output);

	/* Ring full: count the loss where the agent can read it. */
	skip_at = b.n;
	emit(&b, insn(BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_0, 0, 0, 0));
	ld_map(&b, BPF_REG_1, BPF_PSEUDO_MAP_VALUE, lost_fd, 0);
	mov_imm(&b, BPF_REG_2, 1);
	emit(&b, insn(BPF_STX | BPF_DW | BPF_ATOMIC, BPF_REG_1, BPF_REG_2, 0,
		      BPF_ADD));
	if (!b.overflow)
		out[skip_at].off = (int16_t)(b.n - skip_at - 1);

	mov_imm(&b, BPF_REG_0, ALLOW);
	emit(&b, insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
	return b.overflow ? 0 : b.n;
}

size_t bpfconnect_ring_drain(struct bpfconnect_ring *rb, size_t max,
			     bpfconnect_record_fn fn, void *ctx)
{
	const uint64_t mask = rb->data_size - 1;
	uint64_t cons = __atomic_load_n(rb->consumer_pos, __ATOMIC_RELAXED);
	uint64_t prod = __atomic_load_n(rb->producer_pos, __ATOMIC_ACQUIRE);
	size_t handed = 0;

	while (cons < prod && handed < max) {
		const uint32_t *hdr = (const uint32_t *)(const void *)
			(rb->data + (cons & mask));
		uint32_t len = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);

		if (len & BPFCONNECT_RB_BUSY)
			break;
		bool discarded = (len & BPFCONNECT_RB_DISCARD) != 0;
		len &= ~(BPFCONNECT_RB_BUSY | BPFCONNECT_RB_DISCARD);
		if (!discarded) {
			fn(ctx, (const uint8_t *)hdr + BPFCONNECT_RB_HDR, len);
			handed++;
		}
		cons += ((uint64_t)len + BPFCONNECT_RB_HDR + 7u) & ~(uint64_t)7u;
	}
	__atomic_store_n(rb->consumer_pos, cons, __ATOMIC_RELEASE);
	return handed;
}
