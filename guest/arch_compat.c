// SPDX-License-Identifier: GPL-2.0
/*
 * Matrix test of KVM_SET_ONE_REG(KVM_REG_PPC_ARCH_COMPAT) on HV KVM: which
 * values a fresh vCPU accepts, whether it runs afterwards, and whether it
 * runs again once 0 and then the newest reported mode are set.
 *
 * Each value gets a VM and vCPU of its own.  One line per value,
 *   # arch_compat: VALUE set=ok|ERRNO run=ok|ERRNO|none then0=... thenmode=...
 * is what make compare tabulates for mainline and for the series.  The
 * verdicts come from the matrix table through the kernel command line:
 *   kvmtest.caps=0x...  the bitmap the host reports: a POWER9/10/11 logical
 *                       PVR is accepted exactly when its bit is there
 *   kvmtest.old=0|1     the ISA 2.05-2.07 logical PVRs are accepted (not
 *                       under the nested API v2, whose L0 runs no such mode);
 *                       what was seen is printed as "# result: old=..." for
 *                       the host to compare with the table
 * 0 is always accepted and every other value refused.  After a refused
 * POWER11 mode the vCPU does not run until an accepted value is set (HV KVM
 * marks it unable to run, so that a VMM cannot ignore the error and start
 * the guest in raw mode); after any other refusal it runs as before.  Guest
 * code ("sc 1" in real mode) runs where the host can run it; where even
 * mode 0 does not run, the run columns are "none" and are not judged.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/kvm.h>

#include "cmdline.h"
#include "tap.h"

#define KVM_VM_PPC_HV	1
#define MEM_SIZE	0x100000UL
#define CODE_GPA	0x10000UL
#define SC1		0x44000022u	/* sc 1: hypercall to the hypervisor */
#define MSR_SF		(1ULL << 63)
#define MSR_LE		1ULL
#define PATB_GR		(1ULL << 63)	/* guest uses radix */

#define PVR_ARCH_205	0x0f000002
#define PVR_ARCH_207	0x0f000004
#define PVR_ARCH_300	0x0f000005
#define PVR_ARCH_31	0x0f000006
#define PVR_ARCH_31_P11	0x0f000007

static const struct { uint32_t pvr; uint64_t bit; } modes[] = {
	{ PVR_ARCH_300, KVM_PPC_COMPAT_CAP_POWER9 },
	{ PVR_ARCH_31, KVM_PPC_COMPAT_CAP_POWER10 },
	{ PVR_ARCH_31_P11, KVM_PPC_COMPAT_CAP_POWER11 },
};
#define NR_MODES	(sizeof(modes) / sizeof(modes[0]))

static int kvm;
/* How many of the ISA 2.05-2.07 logical PVRs were accepted. */
static int old_accepted;

/* The bit of a POWER9/10/11 logical PVR, 0 for any other value. */
static uint64_t mode_bit(uint32_t pvr)
{
	for (unsigned int i = 0; i < NR_MODES; i++)
		if (modes[i].pvr == pvr)
			return modes[i].bit;
	return 0;
}

struct vcpu {
	int vm, fd;
	struct kvm_run *run;
	int runnable;	/* memory and MMU set up for real-mode code */
};

/* A VM with "sc 1" at CODE_GPA, and a vCPU with PAPR enabled. */
static int vcpu_create(struct vcpu *v)
{
	struct kvm_ppc_mmuv3_cfg mmu = {
		.flags = KVM_PPC_MMUV3_RADIX | KVM_PPC_MMUV3_GTSE,
		/* The process table is not used in real mode. */
		.process_table = PATB_GR | 0x20000,
	};
	struct kvm_userspace_memory_region region = { .memory_size = MEM_SIZE };
	struct kvm_enable_cap papr = { .cap = KVM_CAP_PPC_PAPR };
	int size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	void *mem;

	v->vm = ioctl(kvm, KVM_CREATE_VM, KVM_VM_PPC_HV);
	if (v->vm < 0)
		return -errno;
	mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return -errno;
	*(uint32_t *)((char *)mem + CODE_GPA) = SC1;
	region.userspace_addr = (uintptr_t)mem;
	/* A radix host runs radix guests; a hash host keeps the default HPT. */
	v->runnable = !ioctl(v->vm, KVM_SET_USER_MEMORY_REGION, &region) &&
		      (!ioctl(v->vm, KVM_CHECK_EXTENSION, KVM_CAP_PPC_MMU_RADIX) ||
		       !ioctl(v->vm, KVM_PPC_CONFIGURE_V3_MMU, &mmu));
	v->fd = ioctl(v->vm, KVM_CREATE_VCPU, 0);
	if (v->fd < 0 || size <= 0 || ioctl(v->fd, KVM_ENABLE_CAP, &papr))
		return -errno;
	v->run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	return v->run == MAP_FAILED ? -errno : 0;
}

static void vcpu_destroy(struct vcpu *v)
{
	if (v->fd >= 0)
		close(v->fd);
	if (v->vm >= 0)
		close(v->vm);
}

static int set_compat(struct vcpu *v, uint32_t pvr)
{
	uint64_t val = pvr;
	struct kvm_one_reg reg = { .id = KVM_REG_PPC_ARCH_COMPAT, .addr = (uintptr_t)&val };

	return ioctl(v->fd, KVM_SET_ONE_REG, &reg) ? errno : 0;
}

/* Run "sc 1" in real mode: 0 when it reached userspace, else an errno. */
static int run_once(struct vcpu *v)
{
	struct kvm_regs regs;

	if (ioctl(v->fd, KVM_GET_REGS, &regs))
		return errno;
	regs.pc = CODE_GPA;
	regs.msr = MSR_SF | MSR_LE;
	regs.gpr[3] = 0;
	if (ioctl(v->fd, KVM_SET_REGS, &regs))
		return errno;
	if (ioctl(v->fd, KVM_RUN, 0))
		return errno;
	if (v->run->exit_reason != KVM_EXIT_PAPR_HCALL ||
	    ioctl(v->fd, KVM_GET_REGS, &regs) || regs.pc != CODE_GPA + 4)
		return EIO;	/* ran, but not to the hcall */
	return 0;
}

static const char *err_name(int e)
{
	static char buf[16];

	switch (e) {
	case 0: return "ok";
	case -1: return "none";
	case EINVAL: return "EINVAL";
	case EFAULT: return "EFAULT";
	case EIO: return "wrong-exit";
	}
	snprintf(buf, sizeof(buf), "errno%d", e);
	return buf;
}

/* The newest reported mode, or 0 when none is. */
static uint32_t newest_mode(uint64_t caps)
{
	uint32_t pvr = 0;

	for (unsigned int i = 0; i < NR_MODES; i++)
		if (caps & modes[i].bit)
			pvr = modes[i].pvr;
	return pvr;
}

static uint32_t host_pvr(void)
{
	unsigned long pvr;

	/* Emulated by the kernel for userspace. */
	asm volatile("mfpvr %0" : "=r" (pvr));
	return pvr;
}

static void try_value(uint32_t value, uint64_t caps, long old, int runs)
{
	uint64_t bit = mode_bit(value);
	int accept, set, run = -1, then0 = -1, thenmode = -1;
	uint32_t newest = newest_mode(caps);
	struct vcpu v = { .vm = -1, .fd = -1 };
	int e = vcpu_create(&v);

	if (e) {
		check(0, "0x%08x: cannot create an HV VM and vCPU: %s", value, strerror(-e));
		vcpu_destroy(&v);
		return;
	}
	set = set_compat(&v, value);
	if (!set && value >= PVR_ARCH_205 && value <= PVR_ARCH_207)
		old_accepted++;
	if (runs) {
		run = run_once(&v);
		then0 = set_compat(&v, 0) ?: run_once(&v);
		if (newest)
			thenmode = set_compat(&v, newest) ?: run_once(&v);
	}
	printf("# arch_compat: 0x%08x set=%s run=%s then0=%s thenmode=%s\n", value,
	       err_name(set), err_name(run), err_name(then0), err_name(thenmode));

	if (!value)
		accept = 1;
	else if (bit)
		accept = !!(caps & bit);
	else
		accept = old && value >= PVR_ARCH_205 && value <= PVR_ARCH_207;
	check(accept ? !set : set == EINVAL, "0x%08x %s (got %s)", value,
	      accept ? "accepted" : "refused with EINVAL", err_name(set));
	if (!runs)
		return;
	if (!set || value != PVR_ARCH_31_P11)
		check(!run, "0x%08x: the vCPU runs afterwards (got %s)", value, err_name(run));
	else
		check(run == EINVAL, "0x%08x refused: KVM_RUN fails with EINVAL until a mode is set (got %s)",
		      value, err_name(run));
	check(!then0, "0x%08x: runs once 0 is set (got %s)", value, err_name(then0));
	if (newest)
		check(!thenmode, "0x%08x: runs once 0x%08x is set (got %s)", value, newest,
		      err_name(thenmode));
	vcpu_destroy(&v);
}

int main(void)
{
	uint32_t values[] = {
		0, 0x0f000002, 0x0f000003, 0x0f000004, PVR_ARCH_300, PVR_ARCH_31,
		PVR_ARCH_31_P11, 0x0f000008, host_pvr(),
	};
	char caps_str[32];
	long old = cmdline_long("kvmtest.old", -1);
	uint64_t caps;
	struct vcpu probe = { .vm = -1, .fd = -1 };
	int runs;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n");
	if (cmdline_get("kvmtest.caps", caps_str, sizeof(caps_str)) || old < 0) {
		printf("1..1\nnot ok 1 kvmtest.caps= or kvmtest.old= missing on the command line\n");
		return 1;
	}
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	probe.vm = kvm < 0 ? -1 : ioctl(kvm, KVM_CREATE_VM, KVM_VM_PPC_HV);
	if (probe.vm < 0) {
		printf("# result: old=none\n1..0 # SKIP no HV KVM here\n");
		return 0;
	}
	close(probe.vm);
	caps = strtoull(caps_str, NULL, 0);
	/* Whether guest code runs here at all: mode 0 on a fresh vCPU. */
	runs = !vcpu_create(&probe) && probe.runnable && !run_once(&probe);
	vcpu_destroy(&probe);
	printf("# guest code runs: %s\n", runs ? "yes" : "no");

	for (unsigned int i = 0; i < sizeof(values) / sizeof(values[0]); i++)
		try_value(values[i], caps, old, runs);
	printf("# result: old=%s\n", old_accepted == 3 ? "1" : old_accepted ? "mixed" : "0");
	return tap_done();
}
