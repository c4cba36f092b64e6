// SPDX-License-Identifier: GPL-2.0
/*
 * Matrix test of KVM_CAP_PPC_COMPAT_CAPS and KVM_PPC_GET_COMPAT_CAPS.
 *
 * The expected answers come from the matrix table through the kernel command
 * line, derived from the QEMU configuration alone:
 *   kvmtest.hv=0|1      an HV VM can be created
 *   kvmtest.cap=0|1     KVM_CHECK_EXTENSION(KVM_CAP_PPC_COMPAT_CAPS)
 *   kvmtest.caps=0x...  the bitmap KVM_PPC_GET_COMPAT_CAPS returns
 *   kvmtest.pr=0|1      a PR VM can be created (it must answer ENOTTY)
 * What the kernel answered is printed as "# result: key=value" so that
 * the host compares it with the table on its own.  Every error case of the
 * ABI is checked, with canary bytes after the structure, and
 * KVM_REG_PPC_ARCH_COMPAT is checked against the bitmap: each reported mode
 * is accepted and runs guest code, each other POWER9/10/11 mode is refused
 * and leaves the vCPU able to run.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/kvm.h>

#include "cmdline.h"

#define KVM_VM_PPC_HV	1
#define KVM_VM_PPC_PR	2
#define VER0		KVM_PPC_COMPAT_CAPS_SIZE_VER0
#define CANARY		0xa5
#define MEM_SIZE	0x100000UL
#define CODE_GPA	0x10000UL
#define SC1		0x44000022u	/* sc 1: hypercall to the hypervisor */
#define MSR_SF		(1ULL << 63)
#define MSR_LE		1ULL
#define PATB_GR		(1ULL << 63)	/* guest uses radix */

static int tests, failures;

static void check(int cond, const char *what)
{
	tests++;
	if (!cond)
		failures++;
	printf("%sok %d %s\n", cond ? "" : "not ", tests, what);
}

#define CHECK(cond, ...) do {						\
	char _d[256];							\
	snprintf(_d, sizeof(_d), __VA_ARGS__);				\
	check(cond, _d);						\
} while (0)

static void skip(const char *what, const char *why)
{
	tests++;
	printf("ok %d %s # SKIP %s\n", tests, what, why);
}

/* A page of structure followed by canary bytes, in an RW mapping. */
static unsigned char *buf;
static long page;

static struct kvm_ppc_compat_caps *fresh(uint64_t size, uint64_t flags)
{
	struct kvm_ppc_compat_caps *c = (void *)buf;

	memset(buf, CANARY, 2 * page);
	c->size = size;
	c->flags = flags;
	c->compat_capabilities = 0x1111;
	return c;
}

static int canary_ok(size_t from)
{
	for (size_t i = from; i < (size_t)2 * page; i++)
		if (buf[i] != CANARY)
			return 0;
	return 1;
}

static int get_caps(int vm, void *arg)
{
	return ioctl(vm, KVM_PPC_GET_COMPAT_CAPS, arg) ? errno : 0;
}

static void abi_errors(int kvm, int vm, uint64_t caps)
{
	struct kvm_ppc_compat_caps *c;
	unsigned char *ro;
	int e;

	c = fresh(VER0 - 1, 0);
	e = get_caps(vm, c);
	CHECK(e == EINVAL && canary_ok(VER0), "size 23: EINVAL (got %s)", strerror(e));
	c = fresh(0, 0);
	e = get_caps(vm, c);
	CHECK(e == EINVAL, "size 0: EINVAL (got %s)", strerror(e));

	c = fresh(page + 1, 0);
	e = get_caps(vm, c);
	CHECK(e == E2BIG, "size page+1: E2BIG (got %s)", strerror(e));

	c = fresh(page, 0);
	memset(buf + VER0, 0, page - VER0);
	e = get_caps(vm, c);
	CHECK(e == 0 && c->size == VER0 && c->compat_capabilities == caps &&
	      buf[VER0] == 0 && canary_ok(page),
	      "size page, zero tail: success, size 24 (got %s, size %llu)",
	      strerror(e), (unsigned long long)c->size);

	c = fresh(VER0 + 8, 0);
	memset(buf + VER0, 0, 8);
	buf[VER0 + 7] = 1;
	e = get_caps(vm, c);
	CHECK(e == E2BIG && c->size == VER0 && buf[VER0 + 7] == 1 && canary_ok(VER0 + 8),
	      "size 32, non-zero tail: E2BIG and size 24 (got %s, size %llu)",
	      strerror(e), (unsigned long long)c->size);

	for (int bit = 0; bit < 64; bit += 21) {
		c = fresh(VER0, 1ULL << bit);
		e = get_caps(vm, c);
		CHECK(e == EINVAL && canary_ok(VER0), "flags bit %d: EINVAL (got %s)",
		      bit, strerror(e));
	}

	e = get_caps(vm, NULL);
	CHECK(e == EFAULT, "NULL buffer: EFAULT (got %s)", strerror(e));

	ro = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ro == MAP_FAILED) {
		skip("read-only buffer: EFAULT", "mmap failed");
	} else {
		((struct kvm_ppc_compat_caps *)ro)->size = VER0;
		mprotect(ro, page, PROT_READ);
		e = get_caps(vm, ro);
		CHECK(e == EFAULT, "read-only buffer: EFAULT (got %s)", strerror(e));
		munmap(ro, page);
	}

	c = fresh(VER0, 0);
	e = get_caps(kvm, c);
	CHECK(e == EINVAL && c->compat_capabilities == 0x1111 && canary_ok(VER0),
	      "on the /dev/kvm fd: EINVAL, buffer untouched (got %s)", strerror(e));
}

/*
 * Memory with "sc 1" at CODE_GPA and a radix MMU, for running a vCPU.
 * Returns NULL or why it could not be done.
 */
static const char *setup_vm_for_running(int vm)
{
	struct kvm_ppc_mmuv3_cfg mmu = {
		.flags = KVM_PPC_MMUV3_RADIX | KVM_PPC_MMUV3_GTSE,
		/* Guest radix; the table itself is not used in real mode. */
		.process_table = PATB_GR | 0x20000,
	};
	struct kvm_userspace_memory_region region = { .slot = 0, .memory_size = MEM_SIZE };
	void *mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	static char why[96];

	if (mem == MAP_FAILED)
		return "mmap failed";
	*(uint32_t *)((char *)mem + CODE_GPA) = SC1;
	region.userspace_addr = (uintptr_t)mem;
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region)) {
		snprintf(why, sizeof(why), "KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));
		return why;
	}
	if (ioctl(vm, KVM_PPC_CONFIGURE_V3_MMU, &mmu)) {
		snprintf(why, sizeof(why), "no radix guest MMU (KVM_PPC_CONFIGURE_V3_MMU: %s)",
			 strerror(errno));
		return why;
	}
	return NULL;
}

/* A vCPU with PAPR enabled (HV KVM runs nothing else); -errno on failure. */
static int new_vcpu(int kvm, int vm, int id, struct kvm_run **run)
{
	struct kvm_enable_cap papr = { .cap = KVM_CAP_PPC_PAPR };
	int vcpu = ioctl(vm, KVM_CREATE_VCPU, id);
	int size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);

	if (vcpu < 0 || size <= 0 || ioctl(vcpu, KVM_ENABLE_CAP, &papr))
		return -errno;
	*run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	return *run == MAP_FAILED ? -errno : vcpu;
}

static int set_compat(int vcpu, uint32_t pvr)
{
	uint64_t val = pvr;
	struct kvm_one_reg reg = { .id = KVM_REG_PPC_ARCH_COMPAT, .addr = (uintptr_t)&val };

	return ioctl(vcpu, KVM_SET_ONE_REG, &reg) ? errno : 0;
}

/* Run from CODE_GPA in real mode; 0 when "sc 1" reached userspace. */
static const char *run_to_hcall(int vcpu, struct kvm_run *run)
{
	static char why[96];
	struct kvm_regs regs;

	if (ioctl(vcpu, KVM_GET_REGS, &regs))
		return "KVM_GET_REGS failed";
	regs.pc = CODE_GPA;
	regs.msr = MSR_SF | MSR_LE;
	regs.gpr[3] = 0;
	if (ioctl(vcpu, KVM_SET_REGS, &regs))
		return "KVM_SET_REGS failed";
	if (ioctl(vcpu, KVM_RUN, 0)) {
		snprintf(why, sizeof(why), "KVM_RUN: %s", strerror(errno));
		return why;
	}
	if (run->exit_reason != KVM_EXIT_PAPR_HCALL) {
		snprintf(why, sizeof(why), "exit reason %u", run->exit_reason);
		return why;
	}
	if (ioctl(vcpu, KVM_GET_REGS, &regs) || regs.pc != CODE_GPA + 4) {
		snprintf(why, sizeof(why), "pc 0x%llx after the hcall", (unsigned long long)regs.pc);
		return why;
	}
	return NULL;
}

/* Does the host run with the radix MMU?  (POWER8 hosts cannot.) */
static int host_radix(void)
{
	char line[256];
	int radix = 0;
	FILE *f = fopen("/proc/cpuinfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "MMU", 3) && strstr(line, "Radix"))
			radix = 1;
	if (f)
		fclose(f);
	return radix;
}

static void arch_compat(int kvm, uint64_t caps)
{
	static const struct { const char *name; uint64_t bit; uint32_t pvr; } modes[] = {
		{ "POWER9", KVM_PPC_COMPAT_CAP_POWER9, 0x0f000005 },
		{ "POWER10", KVM_PPC_COMPAT_CAP_POWER10, 0x0f000006 },
		{ "POWER11", KVM_PPC_COMPAT_CAP_POWER11, 0x0f000007 },
	};

	/* A fresh VM and vCPU per mode: small hosts allow few vCPU ids. */
	for (unsigned int i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		int want = !!(caps & modes[i].bit), e, vcpu;
		int vm = ioctl(kvm, KVM_CREATE_VM, KVM_VM_PPC_HV);
		const char *no_run = vm < 0 ? "no HV VM" : setup_vm_for_running(vm);
		struct kvm_run *run;
		char what[128];
		const char *why;

		vcpu = vm < 0 ? -ENODEV : new_vcpu(kvm, vm, 0, &run);
		if (vcpu < 0) {
			CHECK(0, "ARCH_COMPAT %s: cannot create an HV vCPU: %s",
			      modes[i].name, strerror(-vcpu));
			if (vm >= 0)
				close(vm);
			continue;
		}
		e = set_compat(vcpu, modes[i].pvr);
		CHECK(want ? e == 0 : e == EINVAL, "ARCH_COMPAT %s (0x%08x) %s (got %s)",
		      modes[i].name, modes[i].pvr, want ? "accepted" : "refused: EINVAL",
		      strerror(e));
		snprintf(what, sizeof(what), "vCPU runs after ARCH_COMPAT %s was %s",
			 modes[i].name, want ? "accepted" : "refused");
		if (no_run) {
			if (host_radix())
				CHECK(0, "%s: %s", what, no_run);
			else
				skip(what, "hash-MMU host: no radix guest to run");
			close(vcpu);
			close(vm);
			continue;
		}
		why = run_to_hcall(vcpu, run);
		CHECK(!why, "%s%s%s", what, why ? ": " : "", why ? why : "");
		close(vcpu);
		close(vm);
	}
}

/* A PR VM (hash-MMU hosts with kvm-pr only) has no answer: ENOTTY. */
static void pr_vm(int kvm)
{
	struct kvm_ppc_compat_caps *c;
	int pr, e, cap;

	pr = ioctl(kvm, KVM_CREATE_VM, KVM_VM_PPC_PR);
	printf("# result: pr=%d\n", pr >= 0);
	if (pr < 0) {
		skip("PR VM: capability 0, ioctl ENOTTY", "no PR VM on this host (radix MMU or no kvm-pr)");
		return;
	}
	c = fresh(VER0, 0);
	e = get_caps(pr, c);
	cap = ioctl(pr, KVM_CHECK_EXTENSION, KVM_CAP_PPC_COMPAT_CAPS);
	CHECK(e == ENOTTY && cap == 0 && c->compat_capabilities == 0x1111 && canary_ok(VER0),
	      "PR VM: capability 0, ioctl ENOTTY (got %d, %s)", cap, strerror(e));
	close(pr);
}

int main(void)
{
	long expect_hv = cmdline_long("kvmtest.hv", -1);
	int kvm, vm, vm2, cap_sys, cap_vm = -1, e, e2;
	uint64_t caps = 0, caps2 = 0;
	struct kvm_ppc_compat_caps *c;
	char caps_str[32] = "none";

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n");
	page = sysconf(_SC_PAGESIZE);
	buf = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0 || buf == MAP_FAILED) {
		printf("# /dev/kvm: %s\n# result: cap=0 caps=none pr=0\n", strerror(errno));
		printf("1..0 # SKIP no /dev/kvm\n");
		return expect_hv > 0;
	}
	cap_sys = ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_PPC_COMPAT_CAPS);
	vm = ioctl(kvm, KVM_CREATE_VM, KVM_VM_PPC_HV);
	if (vm < 0) {
		printf("# no HV VM: %s\n# result: cap=%d caps=none\n", strerror(errno), cap_sys);
		CHECK(cap_sys == 0, "no HV KVM: capability 0 on /dev/kvm (got %d)", cap_sys);
		pr_vm(kvm);
		printf("1..%d\n", tests);
		return failures != 0;
	}
	cap_vm = ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_PPC_COMPAT_CAPS);
	CHECK(cap_vm == 1 && cap_sys == cap_vm,
	      "capability 1 on the HV VM fd and /dev/kvm (got %d and %d)", cap_vm, cap_sys);

	c = fresh(VER0, 0);
	e = get_caps(vm, c);
	caps = c->compat_capabilities;
	CHECK(e == 0 && c->size == VER0 && c->flags == 0 && !(caps & ~KVM_PPC_COMPAT_BITMASK) &&
	      canary_ok(VER0), "KVM_PPC_GET_COMPAT_CAPS: 0x%016llx (%s, size %llu)",
	      (unsigned long long)caps, strerror(e), (unsigned long long)c->size);
	if (!e)
		snprintf(caps_str, sizeof(caps_str), "0x%016llx", (unsigned long long)caps);
	printf("# result: cap=%d caps=%s\n", cap_vm, caps_str);

	vm2 = ioctl(kvm, KVM_CREATE_VM, KVM_VM_PPC_HV);
	c = fresh(VER0, 0);
	e2 = vm2 < 0 ? errno : get_caps(vm2, c);
	caps2 = c->compat_capabilities;
	for (int i = 0; i < 1000 && !e2 && caps2 == caps; i++) {
		c = fresh(VER0, 0);
		e2 = get_caps(i & 1 ? vm : vm2, c);
		caps2 = c->compat_capabilities;
	}
	CHECK(!e2 && caps2 == caps, "same answer from a second VM and 1000 calls (%s)",
	      strerror(e2));
	if (vm2 >= 0)
		close(vm2);

	abi_errors(kvm, vm, caps);
	pr_vm(kvm);

	arch_compat(kvm, caps);
	close(vm);
	printf("1..%d\n", tests);
	return failures != 0;
}
