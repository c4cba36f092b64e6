// SPDX-License-Identifier: GPL-2.0
/*
 * The extensible-structure ABI of KVM_PPC_GET_COMPAT_CAPS on an HV VM.
 *
 * A model gives the answers the ABI allows for an input: where the
 * structure is, how much of it can be read and written, its size, flags
 * and tail bytes.  Checked against it, with canary bytes on both sides of
 * the structure:
 *   - a table of error cases: sizes and tails around 24 bytes and around
 *     the page size, flags, structures before a PROT_NONE or an unmapped
 *     page, in a read-only second mapping and at NULL;
 *   - each of the 64 flag bits alone;
 *   - file descriptors of the wrong kind: /dev/kvm, a PR VM, a closed VM
 *     fd, an HV vCPU;
 *   - a seeded fuzz of random inputs (splitmix64).
 * Then threads call the ioctl on one VM while another thread creates,
 * queries and destroys VMs; every answer must be the same bitmap.
 *
 * Parameters, from the kernel command line:
 *   kvmtest.seed=N     seed of the fuzz, default 1; printed as "# seed: N"
 *   kvmtest.fuzz=N     fuzz iterations, default 100000; 0 skips the fuzz
 *   kvmtest.threads=N  callers in the concurrency test, default 8; 0 skips
 *   kvmtest.seconds=N  duration of the concurrency test, default 2; 0 skips
 * Without /dev/kvm or an HV VM there is nothing to test: "1..0 # SKIP".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/kvm.h>

#include "cmdline.h"
#include "tap.h"

typedef uint64_t u64;
typedef int64_t s64;
typedef uint8_t u8;

#define KVM_VM_PPC_HV	1
#define KVM_VM_PPC_PR	2
#define VER0		KVM_PPC_COMPAT_CAPS_SIZE_VER0
#define CANARY		0xa5
#define CANARY64	0xa5a5a5a5a5a5a5a5ULL
#define BIT(n)		(1U << (n))
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define MAX_THREADS	1024
#define MAX_SECONDS	3600

static size_t page_size;

static void bail_out(const char *what)
{
	printf("Bail out! %s: %s\n", what, strerror(errno));
	exit(1);
}

static size_t min_sz(size_t a, size_t b)
{
	return a < b ? a : b;
}

/* A VM of @type on @kvm, or -errno. */
static int create_vm(int kvm, unsigned long type)
{
	int fd = ioctl(kvm, KVM_CREATE_VM, type);

	return fd < 0 ? -errno : fd;
}

/* The ioctl on @fd with @arg: 0 or errno. */
static int get_caps(int fd, void *arg)
{
	return ioctl(fd, KVM_PPC_GET_COMPAT_CAPS, arg) ? errno : 0;
}

/*
 * The model of the ABI.  The documentation gives no precedence between the
 * errors, so the answers allowed for an input are those of every rule it
 * breaks:
 *  - size not readable: EFAULT, nothing else can be known;
 *  - size < 24: EINVAL; size > page size: E2BIG, nothing written;
 *  - flags readable and not 0: EINVAL;
 *  - 24 < size <= page size, a non-zero byte past 24 among the readable
 *    ones and size writable: E2BIG, with 24 stored into size;
 *  - the bytes that must be read (size of them if 24 <= size <= page size,
 *    else 24) not all readable, or the 24 written on success not all
 *    writable: EFAULT;
 *  - none of these: success, the 24 bytes of the answer written.
 * A size past the page size is refused before anything past the 24 bytes
 * is looked at (that is what the limit is for), so its tail never matters.
 * On EFAULT each of the 24 bytes may hold its old value or that of the
 * answer, as a write may be cut short by the fault; EINVAL, E2BIG but for
 * the size above, ENOTTY and EBADF write nothing.  Nothing past the 24
 * bytes is ever written.
 */
#define A_OK		BIT(0)
#define A_EINVAL	BIT(1)
#define A_E2BIG		BIT(2)	/* E2BIG, nothing written */
#define A_E2BIG_SIZE	BIT(3)	/* E2BIG, size set to 24 */
#define A_EFAULT	BIT(4)
#define A_ENOTTY	BIT(5)
#define A_EBADF		BIT(6)
#define NR_ANSWERS	7

static const char *const answer_names[NR_ANSWERS] = {
	"success", "EINVAL", "E2BIG", "E2BIG+size", "EFAULT", "ENOTTY", "EBADF",
};

/*
 * Where the structure is put.  Not at a kernel address: the base kernel's
 * masked user access does not fault on those everywhere, which
 * masked_access checks on its own (see docs/masked-user-access.md).
 */
enum place {
	PL_RW,		/* two read-write pages, then a PROT_NONE one */
	PL_NONE,	/* a read-write page, then a PROT_NONE one */
	PL_HOLE,	/* a read-write page, then an unmapped one */
	PL_RO,		/* two read-only pages, then a PROT_NONE one */
	PL_NULL,
	NR_PLACES
};

static const char *const place_names[NR_PLACES] = {
	"read-write", "before PROT_NONE", "before unmapped", "read-only", "NULL",
};

/* The memory of all places.  Between two calls each mapped byte is CANARY. */
static struct {
	unsigned long addr[NR_PLACES];	/* the region the ioctl is given */
	u8 *mem[NR_PLACES];		/* the same bytes, writable by us */
	size_t len[NR_PLACES];		/* bytes mapped */
	bool ro[NR_PLACES];
	u8 *hole;			/* the unmapped page after PL_HOLE */
} arena;

#define MAX_NZ		4

struct input {
	enum place place;
	size_t off;		/* of the structure from the region's start */
	u64 size;
	u64 flags;
	u64 caps;		/* compat_capabilities before the call */
	size_t tail;		/* bytes past VER0 set to zero but for nz */
	unsigned int nr_nz;
	size_t nz_at[MAX_NZ];	/* non-zero tail bytes, from the structure */
	u8 nz_val[MAX_NZ];
};

struct verdict {
	bool ok;
	char why[256];		/* the first problem found */
};

static __attribute__((format(printf, 2, 3))) void
complain(struct verdict *v, const char *fmt, ...)
{
	va_list ap;

	if (!v->ok)
		return;
	v->ok = false;
	va_start(ap, fmt);
	vsnprintf(v->why, sizeof(v->why), fmt, ap);
	va_end(ap);
}

static void fmt_answers(char *buf, size_t len, unsigned int mask)
{
	size_t pos = 0;

	buf[0] = '\0';
	for (int i = 0; i < NR_ANSWERS && pos < len; i++)
		if (mask & BIT(i))
			pos += snprintf(buf + pos, len - pos, "%s%s",
					pos ? "|" : "", answer_names[i]);
}

/* Whether the @len bytes at @p are all @val. */
static bool range_is(const u8 *p, size_t len, u8 val)
{
	return !len || (p[0] == val && !memcmp(p, p + 1, len - 1));
}

/* Bytes from the structure's start on that can be read. */
static size_t avail(const struct input *in)
{
	size_t len = arena.len[in->place];

	return in->off < len ? len - in->off : 0;
}

/*
 * The longest tail that can be set up: to the end of the size, of the
 * mapped memory, or one byte past the page size, whichever comes first.
 */
static size_t max_tail(const struct input *in)
{
	u64 end = in->size < page_size + 1 ? in->size : page_size + 1;

	end = min_sz(end, avail(in));
	return end > VER0 ? end - VER0 : 0;
}

/* The answers the ABI allows for @in on an HV VM fd. */
static unsigned int model(const struct input *in)
{
	size_t r = avail(in), w = arena.ro[in->place] ? 0 : r;
	u64 s = in->size;
	unsigned int m = 0;
	size_t need;

	if (r < 8)
		return A_EFAULT;

	need = s < VER0 || s > page_size ? VER0 : s;
	if (r < need || w < VER0)
		m |= A_EFAULT;
	if (s < VER0)
		m |= A_EINVAL;
	if (s > page_size)
		m |= A_E2BIG;
	if (r >= 16 && in->flags)
		m |= A_EINVAL;
	/* Non-zero bytes are only ever put in the readable tail. */
	if (s > VER0 && s <= page_size && in->nr_nz && w >= 8)
		m |= A_E2BIG_SIZE;
	return m ? m : A_OK;
}

/* The answers an errno (0: success) can be; none for any other errno. */
static unsigned int answer(int err)
{
	static const int errs[NR_ANSWERS] = { 0, EINVAL, E2BIG, E2BIG, EFAULT, ENOTTY, EBADF };
	unsigned int m = 0;

	for (int i = 0; i < NR_ANSWERS; i++)
		if (err == errs[i])
			m |= BIT(i);
	return m;
}

static void header(u8 *hdr, u64 size, u64 flags, u64 caps)
{
	memcpy(hdr, &size, 8);
	memcpy(hdr + 8, &flags, 8);
	memcpy(hdr + 16, &caps, 8);
}

/*
 * Pages of one reservation:
 * 0: guard | 1, 2: PL_RW | 3: guard | 4: PL_NONE | 5: PROT_NONE |
 * 6: PL_HOLE | 7: unmapped | 8: guard | 9, 10: PL_RO | 11: guard
 * The read-only pages are a second mapping of shared anonymous memory
 * (mremap() of size 0), written through the first.
 */
static void arena_init(void)
{
	size_t pg = page_size;
	u8 *base, *view;

	base = mmap(NULL, 12 * pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		bail_out("arena: mmap");
	if (mprotect(base + pg, 2 * pg, PROT_READ | PROT_WRITE) ||
	    mprotect(base + 4 * pg, pg, PROT_READ | PROT_WRITE) ||
	    mprotect(base + 6 * pg, pg, PROT_READ | PROT_WRITE) ||
	    munmap(base + 7 * pg, pg))
		bail_out("arena: mprotect or munmap");

	arena.mem[PL_RO] = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (arena.mem[PL_RO] == MAP_FAILED)
		bail_out("arena: mmap");
	view = mremap(arena.mem[PL_RO], 0, 2 * pg, MREMAP_MAYMOVE | MREMAP_FIXED,
		      base + 9 * pg);
	if (view != base + 9 * pg || mprotect(view, 2 * pg, PROT_READ))
		bail_out("arena: second mapping of the read-only pages");

	arena.mem[PL_RW] = base + pg;
	arena.len[PL_RW] = 2 * pg;
	arena.mem[PL_NONE] = base + 4 * pg;
	arena.len[PL_NONE] = pg;
	arena.mem[PL_HOLE] = base + 6 * pg;
	arena.len[PL_HOLE] = pg;
	arena.len[PL_RO] = 2 * pg;
	arena.ro[PL_RO] = true;
	arena.hole = base + 7 * pg;

	for (int i = 0; i < NR_PLACES; i++) {
		arena.addr[i] = (unsigned long)arena.mem[i];
		if (arena.len[i])
			memset(arena.mem[i], CANARY, arena.len[i]);
	}
	arena.addr[PL_RO] = (unsigned long)view;
}

/* Whether the page after PL_HOLE is still unmapped (nothing was put there). */
static bool hole_unmapped(void)
{
	unsigned char vec;

	return mincore(arena.hole, page_size, &vec) && errno == ENOMEM;
}

/* Whether all of the arena is CANARY; makes it so. */
static bool arena_clean(void)
{
	bool clean = true;

	for (int i = 0; i < NR_PLACES; i++) {
		if (range_is(arena.mem[i], arena.len[i], CANARY))
			continue;
		clean = false;
		memset(arena.mem[i], CANARY, arena.len[i]);
	}
	return clean;
}

/* Writes the header and the tail of @in into the arena. */
static void prepare(const struct input *in)
{
	size_t n = min_sz(avail(in), VER0);
	u8 hdr[VER0], *p;

	if (!n)
		return;
	p = arena.mem[in->place] + in->off;
	header(hdr, in->size, in->flags, in->caps);
	memcpy(p, hdr, n);
	memset(p + VER0, 0, in->tail);
	for (unsigned int i = 0; i < in->nr_nz; i++)
		p[in->nz_at[i]] = in->nz_val[i];
}

static int call(int fd, const struct input *in)
{
	return get_caps(fd, (void *)(arena.addr[in->place] + in->off));
}

/* Whether the @n mapped bytes of the structure are as answer @got allows. */
static bool header_ok(const u8 *p, size_t n, unsigned int got,
		      const u8 *old, const u8 *img)
{
	bool size_old, size_new;

	if (got & A_OK)
		return n == VER0 && !memcmp(p, img, VER0);

	if (got & A_EFAULT) {
		for (size_t i = 0; i < n; i++)
			if (p[i] != old[i] && p[i] != img[i])
				return false;
		return true;
	}

	if ((got & (A_E2BIG | A_E2BIG_SIZE)) && n >= 8) {
		size_old = !memcmp(p, old, 8);
		size_new = !memcmp(p, img, 8);
		if (!((got & A_E2BIG) && size_old) &&
		    !((got & A_E2BIG_SIZE) && size_new))
			return false;
		return !memcmp(p + 8, old + 8, n - 8);
	}

	return !memcmp(p, old, n);
}

#define WINDOW		256	/* canary bytes checked on each side */

/*
 * Checks the answer @err to @in against the @allowed ones and the memory
 * around the structure: canary before it, the tail as set up, and canary
 * after it.  Then puts the canary back.
 */
static void check_answer(const struct input *in, unsigned int allowed, int err,
			 u64 bitmap, struct verdict *v)
{
	size_t len = arena.len[in->place], n = min_sz(avail(in), VER0);
	unsigned int got = answer(err) & allowed;
	u8 old[VER0], img[VER0], *mem, *p;
	struct kvm_ppc_compat_caps now;
	size_t lo, end, hi;

	if (!got)
		complain(v, "not an allowed answer");
	if (!len)
		return;

	mem = arena.mem[in->place];
	p = mem + in->off;
	header(old, in->size, in->flags, in->caps);
	header(img, VER0, 0, bitmap);
	if (got && !header_ok(p, n, got, old, img)) {
		memcpy(&now, p, n);
		if (n == VER0)
			complain(v, "structure now size %llu, flags 0x%llx, bitmap 0x%llx",
				 (unsigned long long)now.size, (unsigned long long)now.flags,
				 (unsigned long long)now.compat_capabilities);
		else
			complain(v, "the %zu mapped bytes of the structure changed", n);
	}

	lo = in->off > WINDOW ? in->off - WINDOW : 0;
	end = in->off + n + in->tail;
	hi = min_sz(len, end + WINDOW);
	if (!range_is(mem + lo, in->off - lo, CANARY))
		complain(v, "canary before the structure changed");
	for (unsigned int i = 0; i < in->nr_nz; i++) {
		if (p[in->nz_at[i]] != in->nz_val[i])
			complain(v, "non-zero byte %zu changed", in->nz_at[i]);
		p[in->nz_at[i]] = 0;
	}
	if (!range_is(p + VER0, in->tail, 0))
		complain(v, "zero tail changed");
	if (!range_is(mem + end, hi - end, CANARY))
		complain(v, "canary after the structure changed");
	memset(mem + lo, CANARY, hi - lo);
}

/*
 * One call on @fd with @in, which must give one of the answers in @want
 * and leave the rest of the arena alone.  Prints the problem, if any.
 */
static bool run_case(int fd, const struct input *in, unsigned int want,
		     u64 bitmap, const char *name)
{
	struct verdict v = { .ok = true };
	char names[96];
	int err;

	if (in->place == PL_HOLE && !hole_unmapped())
		complain(&v, "the page after the structure got mapped");
	prepare(in);
	err = call(fd, in);
	check_answer(in, want, err, bitmap, &v);
	if (!arena_clean())
		complain(&v, "memory away from the structure changed");
	if (!v.ok) {
		fmt_answers(names, sizeof(names), want);
		printf("# %s: got %s, allowed %s: %s\n", name,
		       err ? strerror(err) : "success", names, v.why);
	}
	return v.ok;
}

/*
 * The ABI cases on the HV VM fd.  The structure is LEAD + @at bytes into its
 * place, or @at bytes before the end of what is mapped there if @from_end;
 * its size is @pages page sizes plus @size; @nz, if not 0, is the offset of
 * a non-zero byte in the tail, or if negative its offset from the size.
 * @want is what the model must allow, so the cases check the model too.
 */
#define LEAD		64
#define PG(n)		.pages = 1, .size = (n)
#define END(n)		.from_end = true, .at = (n)
/* The same cases before a PROT_NONE page and before an unmapped one. */
#define NEXT_PAGE_CASES(pl, what)							\
	{ what " next: structure in it", pl, END(0), .size = 24, .want = A_EFAULT },	\
	{ what " next: size crosses", pl, END(4), .size = 24, .want = A_EFAULT },	\
	{ what " next: size 24, flags past", pl, END(8), .size = 24, .want = A_EFAULT },\
	{ what " next: flags cross", pl, END(12), .size = 24, .want = A_EFAULT },	\
	{ what " next: bitmap past", pl, END(16), .size = 24, .want = A_EFAULT },	\
	{ what " next: bitmap crosses", pl, END(20), .size = 24, .want = A_EFAULT },	\
	{ what " next: size 24 ends at it", pl, END(24), .size = 24, .want = A_OK },	\
	{ what " next: size 16, flags past", pl, END(8), .size = 16,			\
	  .want = A_EINVAL | A_EFAULT },						\
	{ what " next: size page+1, flags past", pl, END(8), PG(1),			\
	  .want = A_E2BIG | A_EFAULT },							\
	{ what " next: zero tail of size 32 crosses", pl, END(24), .size = 32,		\
	  .want = A_EFAULT },								\
	{ what " next: zero tail of size page crosses", pl, END(256), PG(0),		\
	  .want = A_EFAULT },								\
	{ what " next: size 64, non-zero byte 24 before it", pl, END(32), .size = 64,	\
	  .nz = 24, .want = A_E2BIG_SIZE | A_EFAULT },					\
	{ what " next: flags 1, zero tail crosses", pl, END(24), .size = 32,		\
	  .flags = 1, .want = A_EINVAL | A_EFAULT }

static const struct error_case {
	const char *name;
	enum place place;
	bool from_end;
	size_t at;
	int pages;
	s64 size;
	s64 nz;
	u64 flags;
	unsigned int want;
} error_cases[] = {
	{ "size 0", .size = 0, .want = A_EINVAL },
	{ "size 16", .size = 16, .want = A_EINVAL },
	{ "size 23", .size = 23, .want = A_EINVAL },
	{ "size 24", .size = 24, .want = A_OK },
	{ "size 24, unaligned", .at = 3, .size = 24, .want = A_OK },
	{ "size 25, zero byte 24", .size = 25, .want = A_OK },
	{ "size 25, non-zero byte 24", .size = 25, .nz = 24, .want = A_E2BIG_SIZE },
	{ "size 32, zero tail", .size = 32, .want = A_OK },
	{ "size 32, non-zero byte 27", .size = 32, .nz = 27, .want = A_E2BIG_SIZE },
	{ "size page-1, zero tail", PG(-1), .want = A_OK },
	{ "size page-1, non-zero last byte", PG(-1), .nz = -1, .want = A_E2BIG_SIZE },
	{ "size page, zero tail", PG(0), .want = A_OK },
	{ "size page, non-zero last byte", PG(0), .nz = -1, .want = A_E2BIG_SIZE },
	{ "size page+1, zero tail", PG(1), .want = A_E2BIG },
	{ "size page+1, non-zero last byte", PG(1), .nz = -1, .want = A_E2BIG },
	{ "size page+8", PG(8), .want = A_E2BIG },
	{ "size 2^64-1", .size = -1, .want = A_E2BIG },

	/* With more than one error, any of them will do. */
	{ "flags 1", .size = 24, .flags = 1, .want = A_EINVAL },
	{ "flags ~0", .size = 24, .flags = ~0ULL, .want = A_EINVAL },
	{ "size 16, flags 1", .size = 16, .flags = 1, .want = A_EINVAL },
	{ "size 32, non-zero byte 24, flags 1", .size = 32, .nz = 24, .flags = 1,
	  .want = A_EINVAL | A_E2BIG_SIZE },
	{ "size page+1, flags 1", PG(1), .flags = 1, .want = A_EINVAL | A_E2BIG },

	NEXT_PAGE_CASES(PL_NONE, "PROT_NONE"),
	NEXT_PAGE_CASES(PL_HOLE, "unmapped"),

	/* The size cannot be written back: E2BIG would claim it was. */
	{ "read-only: size 24", PL_RO, .size = 24, .want = A_EFAULT },
	{ "read-only: size 16", PL_RO, .size = 16, .want = A_EINVAL | A_EFAULT },
	{ "read-only: flags 1", PL_RO, .size = 24, .flags = 1, .want = A_EINVAL | A_EFAULT },
	{ "read-only: size 32, zero tail", PL_RO, .size = 32, .want = A_EFAULT },
	{ "read-only: size 32, non-zero byte 24", PL_RO, .size = 32, .nz = 24, .want = A_EFAULT },
	{ "read-only: size page+1", PL_RO, PG(1), .want = A_E2BIG | A_EFAULT },

	{ "NULL", PL_NULL, .want = A_EFAULT },
};

static void test_case(int vm, const struct error_case *c, u64 bitmap)
{
	struct input in = { .place = c->place, .flags = c->flags, .caps = CANARY64 };
	size_t len = arena.len[c->place];
	char names[96], model_names[96];
	unsigned int allowed;
	bool ok;

	in.size = (u64)c->pages * page_size + c->size;
	if (len)
		in.off = c->from_end ? len - c->at : LEAD + c->at;
	in.tail = max_tail(&in);
	if (c->nz) {
		in.nz_at[0] = c->nz > 0 ? (u64)c->nz : in.size + c->nz;
		in.nz_val[0] = 0x5a;
		in.nr_nz = 1;
	}

	fmt_answers(names, sizeof(names), c->want);
	allowed = model(&in);
	ok = allowed == c->want;
	if (!ok) {
		fmt_answers(model_names, sizeof(model_names), allowed);
		printf("# %s: the model allows %s\n", c->name, model_names);
	}
	if (c->nz && (in.nz_at[0] < VER0 || in.nz_at[0] >= VER0 + in.tail)) {
		printf("# %s: the non-zero byte is outside the tail\n", c->name);
		ok = false;
	}
	ok &= run_case(vm, &in, c->want, bitmap, c->name);
	check(ok, "abi: %s: %s", c->name, names);
}

/* Every flag bit alone: EINVAL, nothing written; one result for the 64. */
static void test_flag_bits(int vm, u64 bitmap)
{
	struct input in = { .off = LEAD, .size = VER0, .caps = CANARY64 };
	char bad[64 * 4] = "", name[32];
	int nr_bad = 0, pos = 0;

	for (int bit = 0; bit < 64; bit++) {
		in.flags = 1ULL << bit;
		snprintf(name, sizeof(name), "flag bit %d", bit);
		if (model(&in) == A_EINVAL &&
		    run_case(vm, &in, A_EINVAL, bitmap, name))
			continue;
		nr_bad++;
		pos += snprintf(bad + pos, sizeof(bad) - pos, " %d", bit);
	}
	check(!nr_bad, "abi: each of the 64 flag bits alone: EINVAL%s%s",
	      nr_bad ? ", not for bits" : "", bad);
}

/* The ioctl on file descriptors that are not an HV VM's. */
static void test_fds(int kvm, u64 bitmap)
{
	struct input in = { .off = LEAD, .size = VER0, .caps = CANARY64 };
	int fd, vm;

	check(run_case(kvm, &in, A_EINVAL, bitmap, "/dev/kvm"),
	      "abi: on the /dev/kvm fd: EINVAL");

	fd = create_vm(kvm, KVM_VM_PPC_PR);
	if (fd < 0) {
		char why[96];

		snprintf(why, sizeof(why), "cannot create a PR VM (%s)", strerror(-fd));
		skip("abi: on a PR VM: ENOTTY", why);
	} else {
		check(run_case(fd, &in, A_ENOTTY, bitmap, "PR VM"),
		      "abi: on a PR VM: ENOTTY");
		close(fd);
	}

	fd = create_vm(kvm, KVM_VM_PPC_HV);
	if (fd < 0) {
		check(0, "abi: on a closed VM fd: EBADF (no HV VM: %s)", strerror(-fd));
	} else {
		close(fd);
		check(run_case(fd, &in, A_EBADF, bitmap, "closed VM fd"),
		      "abi: on a closed VM fd: EBADF");
	}

	/*
	 * A vCPU fd passes an unknown KVMIO ioctl to kvm_arch_vcpu_ioctl(),
	 * whose default on powerpc is EINVAL (not ENOTTY).
	 */
	vm = create_vm(kvm, KVM_VM_PPC_HV);
	fd = vm < 0 ? vm : ioctl(vm, KVM_CREATE_VCPU, 0);
	if (fd < 0) {
		check(0, "abi: on an HV vCPU fd: EINVAL (no vCPU: %s)",
		      strerror(vm < 0 ? -vm : errno));
	} else {
		check(run_case(fd, &in, A_EINVAL, bitmap, "vCPU fd"),
		      "abi: on an HV vCPU fd: EINVAL");
		close(fd);
	}
	if (vm >= 0)
		close(vm);
}

/* splitmix64: the fuzz is the same for the same seed. */
static u64 rng;

static u64 rnd(void)
{
	u64 z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static u64 below(u64 n)
{
	return rnd() % n;
}

static void random_input(struct input *in)
{
	/* The ends of the ranges of a roll of 0..99 for each place, in enum order. */
	static const u8 place_odds[NR_PLACES] = { 45, 60, 75, 97, 100 };
	u64 roll = below(100), len, at;
	unsigned int i, j, nr;

	memset(in, 0, sizeof(*in));
	while (roll >= place_odds[in->place])
		in->place++;

	/* Near the start, anywhere, or so near the end that it crosses. */
	len = arena.len[in->place];
	roll = below(100);
	if (in->place == PL_NULL)
		in->off = roll < 50 ? 0 : below(4096);
	else if (roll < 35)
		in->off = below(256);
	else if (roll < 55)
		in->off = below(len + 1);
	else
		in->off = len - below(min_sz(len, 320) + 1);
	if (len && below(2))
		in->off &= ~7UL;

	roll = below(100);
	if (roll < 42)
		in->size = below(33);
	else if (roll < 63)
		in->size = below(65) * 8;
	else if (roll < 71)
		in->size = page_size - 8 + below(17);
	else if (roll < 75)
		in->size = VER0 + below(page_size - VER0 + 1);
	else if (roll < 90)
		in->size = rnd();
	else
		in->size = (1ULL << below(64)) + below(3) - 1;

	roll = below(100);
	if (roll < 85)
		in->flags = 0;
	else if (roll < 93)
		in->flags = 1ULL << below(64);
	else
		in->flags = rnd();
	in->caps = below(2) ? CANARY64 : rnd();

	/* Past the page size the kernel must not look: keep the tail short. */
	in->tail = max_tail(in);
	if (in->size > page_size)
		in->tail = min_sz(in->tail, below(64));
	if (!in->tail || below(100) < 60)
		return;

	/* Up to MAX_NZ distinct non-zero bytes, often the last one. */
	nr = 1 + below(MAX_NZ);
	for (i = 0; i < nr; i++) {
		at = VER0 + (below(3) ? below(in->tail) : in->tail - 1);
		for (j = 0; j < in->nr_nz && in->nz_at[j] != at; j++)
			;
		if (j < in->nr_nz)
			continue;
		in->nz_at[in->nr_nz] = at;
		in->nz_val[in->nr_nz++] = 1 + below(255);
	}
}

#define FUZZ_SHOWN	5	/* failing inputs printed in detail */
#define FUZZ_SWEEP	4096	/* iterations between checks of the arena */

static u64 fuzz_calls, fuzz_failures;

static void test_fuzz(int vm, u64 bitmap, long iters, u64 seed)
{
	u64 swept = 0;
	unsigned int allowed;
	struct verdict v;
	struct input in;
	char names[96];
	int err;

	if (iters < 0)
		check(0, "fuzz: kvmtest.fuzz=%ld is negative", iters);
	if (iters <= 0) {
		if (!iters)
			skip("fuzz", "kvmtest.fuzz=0");
		return;
	}

	rng = seed;
	for (u64 i = 0; i < (u64)iters; i++) {
		random_input(&in);
		allowed = model(&in);
		v.ok = true;
		if (in.place == PL_HOLE && !hole_unmapped())
			complain(&v, "the page after PL_HOLE got mapped");
		prepare(&in);
		err = call(vm, &in);
		fuzz_calls++;
		check_answer(&in, allowed, err, bitmap, &v);
		if (!((i + 1) % FUZZ_SWEEP) || i + 1 == (u64)iters) {
			if (!arena_clean())
				complain(&v, "memory away from the structure changed"
					 " in iterations %" PRIu64 " to %" PRIu64, swept, i);
			swept = i + 1;
		}
		if (v.ok || ++fuzz_failures > FUZZ_SHOWN)
			continue;

		fmt_answers(names, sizeof(names), allowed);
		printf("#   iteration %" PRIu64 ": size 0x%" PRIx64 ", flags 0x%" PRIx64
		       ", %s + 0x%zx (%zu bytes mapped), tail %zu, %u non-zero (first at %zu)"
		       ", bitmap 0x%" PRIx64 "\n", i, in.size, in.flags, place_names[in.place],
		       in.off, avail(&in), in.tail, in.nr_nz, in.nr_nz ? in.nz_at[0] : 0, in.caps);
		printf("#   iteration %" PRIu64 ": got %s, allowed %s: %s\n", i,
		       err ? strerror(err) : "success", names, v.why);
	}
	check(!fuzz_failures, "fuzz: %ld iterations, %" PRIu64 " failures, seed %" PRIu64,
	      iters, fuzz_failures, seed);
}

/* Concurrency: callers on one VM fd while VMs come and go. */
struct caller {
	pthread_t thread;
	int fd;			/* the VM's (callers) */
	u64 calls;
	u64 bad;
	u64 vms;		/* creator: VMs created */
	u64 create_failed;	/* creator: KVM_CREATE_VM failures, retried */
	int create_errno;	/* the first of them, or the open() failure */
	bool no_kvm;		/* creator: /dev/kvm could not be opened */
	int bad_errno;		/* the first wrong answer */
	struct kvm_ppc_compat_caps bad_caps;
};

static struct {
	pthread_barrier_t start;
	atomic_bool stop;
	u64 bitmap;
} conc;

static u64 conc_calls, conc_vms, conc_bad;

/* A query of size 24 or 32 (zero tail) on @fd; counts a wrong answer. */
static void conc_call(struct caller *c, int fd)
{
	struct {
		struct kvm_ppc_compat_caps caps;
		u64 tail;
		u64 canary;
	} buf = {
		.caps.size = c->calls & 1 ? VER0 + 8 : VER0,
		.caps.compat_capabilities = CANARY64,
		.canary = CANARY64,
	};
	int err = get_caps(fd, &buf);

	c->calls++;
	if (!err && buf.caps.size == VER0 && !buf.caps.flags &&
	    buf.caps.compat_capabilities == conc.bitmap && !buf.tail &&
	    buf.canary == CANARY64)
		return;
	if (!c->bad++) {
		c->bad_errno = err;
		c->bad_caps = buf.caps;
	}
}

static void *conc_worker(void *arg)
{
	struct caller *c = arg;

	pthread_barrier_wait(&conc.start);
	do {
		conc_call(c, c->fd);
	} while (!atomic_load(&conc.stop));
	return NULL;
}

static void *conc_creator(void *arg)
{
	const struct timespec backoff = { .tv_nsec = 1000000 };
	struct caller *c = arg;
	int kvm, fd;

	/*
	 * Its own /dev/kvm file, opened here rather than passed in through
	 * the heap: on POWER10 and POWER11 CPUs under QEMU, a value stored
	 * before pthread_create() can read as 0 in the new thread right after
	 * it (a lost store, see docs/lost-store.md).  A second VMM process
	 * has its own /dev/kvm file too, so the test loses nothing by it.
	 */
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0) {
		c->no_kvm = true;
		c->create_errno = errno;
	}
	pthread_barrier_wait(&conc.start);
	while (kvm >= 0 && !atomic_load(&conc.stop)) {
		/*
		 * Under a nested hypervisor VMs can run short (ENOMEM,
		 * ENOSPC, EBUSY) while the last ones are torn down: try again
		 * a little later.
		 */
		fd = create_vm(kvm, KVM_VM_PPC_HV);
		if (fd < 0) {
			if (!c->create_failed++)
				c->create_errno = -fd;
			nanosleep(&backoff, NULL);
			continue;
		}
		c->vms++;
		conc_call(c, fd);
		close(fd);
	}
	if (kvm >= 0)
		close(kvm);
	return NULL;
}

static void test_concurrency(int vm, u64 bitmap, long nr, long seconds)
{
	struct timespec left = { .tv_sec = seconds };
	struct caller *c, *first = NULL, *creator;
	u64 failed = 0;
	long i;

	if (nr < 0 || nr > MAX_THREADS || seconds < 0 || seconds > MAX_SECONDS) {
		check(0, "concurrency: kvmtest.threads=%ld or kvmtest.seconds=%ld "
		      "out of range (at most %d and %d)", nr, seconds,
		      MAX_THREADS, MAX_SECONDS);
		return;
	}
	if (!nr || !seconds) {
		skip("concurrency", "kvmtest.threads=0 or kvmtest.seconds=0");
		return;
	}

	/* @nr callers on @vm, and c[nr] creating VMs. */
	c = calloc(nr + 1, sizeof(*c));
	if (!c)
		bail_out("concurrency: calloc");
	creator = &c[nr];
	conc.bitmap = bitmap;
	atomic_store(&conc.stop, false);
	if (pthread_barrier_init(&conc.start, NULL, nr + 2))
		bail_out("concurrency: pthread_barrier_init");
	for (i = 0; i <= nr; i++) {
		c[i].fd = vm;
		errno = pthread_create(&c[i].thread, NULL,
				       i < nr ? conc_worker : conc_creator, &c[i]);
		if (errno)
			bail_out("concurrency: pthread_create");
	}

	pthread_barrier_wait(&conc.start);
	while (nanosleep(&left, &left) && errno == EINTR)
		;
	atomic_store(&conc.stop, true);

	for (i = 0; i <= nr; i++) {
		pthread_join(c[i].thread, NULL);
		conc_calls += c[i].calls;
		conc_vms += c[i].vms;
		failed += c[i].create_failed;
		conc_bad += c[i].bad;
		if (c[i].bad && !first)
			first = &c[i];
	}
	pthread_barrier_destroy(&conc.start);

	if (first)
		printf("# first wrong answer: %s, size %llu, flags 0x%llx, bitmap 0x%llx\n",
		       first->bad_errno ? strerror(first->bad_errno) : "success",
		       (unsigned long long)first->bad_caps.size,
		       (unsigned long long)first->bad_caps.flags,
		       (unsigned long long)first->bad_caps.compat_capabilities);
	if (creator->no_kvm)
		printf("# creator: /dev/kvm: %s\n", strerror(creator->create_errno));
	else if (failed)
		printf("# creator: %" PRIu64 " KVM_CREATE_VM failures, retried, the first %s\n",
		       failed, strerror(creator->create_errno));
	check(!conc_bad && conc_vms, "concurrency: %ld threads, %" PRIu64 " calls, %"
	      PRIu64 " VMs created, %" PRIu64 " mismatches%s", nr, conc_calls,
	      conc_vms, conc_bad, conc_vms ? "" : ", no VM could be created");
	free(c);
}

/* A 64-bit parameter from the command line (cmdline_long() is signed). */
static u64 cmdline_u64(const char *key, u64 dflt)
{
	char buf[64];

	return cmdline_get(key, buf, sizeof(buf)) ? dflt : strtoull(buf, NULL, 0);
}

int main(void)
{
	u64 seed = cmdline_u64("kvmtest.seed", 1);
	long fuzz = cmdline_long("kvmtest.fuzz", 100000);
	long threads = cmdline_long("kvmtest.threads", 8);
	long seconds = cmdline_long("kvmtest.seconds", 2);
	struct kvm_ppc_compat_caps caps = { .size = VER0 };
	int kvm, vm, cap_sys, cap_vm, err, abi_first, abi_failures;
	u64 bitmap;

	setvbuf(stdout, NULL, _IOLBF, 0);
	page_size = sysconf(_SC_PAGESIZE);
	printf("TAP version 13\n# seed: %" PRIu64 "\n", seed);

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0) {
		printf("1..0 # SKIP no /dev/kvm (%s)\n", strerror(errno));
		return 0;
	}
	vm = create_vm(kvm, KVM_VM_PPC_HV);
	if (vm < 0) {
		printf("1..0 # SKIP no HV VM (KVM_CREATE_VM type 1: %s)\n", strerror(-vm));
		return 0;
	}
	cap_sys = ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_PPC_COMPAT_CAPS);
	cap_vm = ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_PPC_COMPAT_CAPS);
	err = get_caps(vm, &caps);
	if (cap_sys <= 0 && cap_vm <= 0 && err == ENOTTY) {
		printf("1..0 # SKIP KVM_PPC_GET_COMPAT_CAPS not in this kernel\n");
		return 0;
	}

	/*
	 * The plain query: its bitmap is the answer expected everywhere (the
	 * concurrency test compares it with many more VMs and calls).
	 */
	bitmap = caps.compat_capabilities;
	check(cap_sys == 1 && cap_vm == 1 && !err && caps.size == VER0 && !caps.flags &&
	      !(bitmap & ~KVM_PPC_COMPAT_BITMASK),
	      "query: capability %d on /dev/kvm and %d on the VM, %s, size %llu, flags 0x%llx,"
	      " bitmap 0x%016" PRIx64, cap_sys, cap_vm, err ? strerror(err) : "success",
	      (unsigned long long)caps.size, (unsigned long long)caps.flags, bitmap);

	arena_init();
	abi_first = tests;
	abi_failures = failures;
	for (size_t i = 0; i < ARRAY_SIZE(error_cases); i++)
		test_case(vm, &error_cases[i], bitmap);
	test_flag_bits(vm, bitmap);
	test_fds(kvm, bitmap);
	abi_failures = failures - abi_failures;

	test_fuzz(vm, bitmap, fuzz, seed);
	test_concurrency(vm, bitmap, threads, seconds);

	printf("# abi: %d cases, %d failures\n", tests - abi_first, abi_failures);
	printf("# fuzz: %" PRIu64 " calls, %" PRIu64 " failures\n",
	       fuzz_calls, fuzz_failures);
	printf("# concurrency: %" PRIu64 " calls, %" PRIu64 " VMs, %" PRIu64 " mismatches\n",
	       conc_calls, conc_vms, conc_bad);
	close(vm);
	close(kvm);
	return tap_done();
}
