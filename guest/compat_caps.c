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
 * the host compares it with the table on its own.  The main error cases of
 * the ABI are checked too, with canary bytes after the structure
 * (compat_caps_abi goes through all of them); KVM_REG_PPC_ARCH_COMPAT is
 * arch_compat's.
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
#include "tap.h"

#define KVM_VM_PPC_HV	1
#define KVM_VM_PPC_PR	2
#define VER0		KVM_PPC_COMPAT_CAPS_SIZE_VER0
#define CANARY		0xa5

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
	check(e == EINVAL && canary_ok(VER0), "size 23: EINVAL (got %s)", strerror(e));
	c = fresh(0, 0);
	e = get_caps(vm, c);
	check(e == EINVAL, "size 0: EINVAL (got %s)", strerror(e));

	c = fresh(page + 1, 0);
	e = get_caps(vm, c);
	check(e == E2BIG, "size page+1: E2BIG (got %s)", strerror(e));

	c = fresh(page, 0);
	memset(buf + VER0, 0, page - VER0);
	e = get_caps(vm, c);
	check(e == 0 && c->size == VER0 && c->compat_capabilities == caps &&
	      buf[VER0] == 0 && canary_ok(page),
	      "size page, zero tail: success, size 24 (got %s, size %llu)",
	      strerror(e), (unsigned long long)c->size);

	c = fresh(VER0 + 8, 0);
	memset(buf + VER0, 0, 8);
	buf[VER0 + 7] = 1;
	e = get_caps(vm, c);
	check(e == E2BIG && c->size == VER0 && buf[VER0 + 7] == 1 && canary_ok(VER0 + 8),
	      "size 32, non-zero tail: E2BIG and size 24 (got %s, size %llu)",
	      strerror(e), (unsigned long long)c->size);

	for (int bit = 0; bit < 64; bit += 21) {
		c = fresh(VER0, 1ULL << bit);
		e = get_caps(vm, c);
		check(e == EINVAL && canary_ok(VER0), "flags bit %d: EINVAL (got %s)",
		      bit, strerror(e));
	}

	e = get_caps(vm, NULL);
	check(e == EFAULT, "NULL buffer: EFAULT (got %s)", strerror(e));

	ro = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ro == MAP_FAILED) {
		skip("read-only buffer: EFAULT", "mmap failed");
	} else {
		((struct kvm_ppc_compat_caps *)ro)->size = VER0;
		mprotect(ro, page, PROT_READ);
		e = get_caps(vm, ro);
		check(e == EFAULT, "read-only buffer: EFAULT (got %s)", strerror(e));
		munmap(ro, page);
	}

	c = fresh(VER0, 0);
	e = get_caps(kvm, c);
	check(e == EINVAL && c->compat_capabilities == 0x1111 && canary_ok(VER0),
	      "on the /dev/kvm fd: EINVAL, buffer untouched (got %s)", strerror(e));
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
	check(e == ENOTTY && cap == 0 && c->compat_capabilities == 0x1111 && canary_ok(VER0),
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
		check(cap_sys == 0, "no HV KVM: capability 0 on /dev/kvm (got %d)", cap_sys);
		pr_vm(kvm);
		return tap_done();
	}
	cap_vm = ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_PPC_COMPAT_CAPS);
	check(cap_vm == 1 && cap_sys == cap_vm,
	      "capability 1 on the HV VM fd and /dev/kvm (got %d and %d)", cap_vm, cap_sys);

	c = fresh(VER0, 0);
	e = get_caps(vm, c);
	caps = c->compat_capabilities;
	check(e == 0 && c->size == VER0 && c->flags == 0 && !(caps & ~KVM_PPC_COMPAT_BITMASK) &&
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
	check(!e2 && caps2 == caps, "same answer from a second VM and 1000 calls (%s)",
	      strerror(e2));
	if (vm2 >= 0)
		close(vm2);

	abi_errors(kvm, vm, caps);
	pr_vm(kvm);

	close(vm);
	return tap_done();
}
