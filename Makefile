# The pipeline: Debian base kernel -> patched tree -> ppc64le kernel ->
# initramfs -> QEMU platform matrix.  `make` runs it; `make check` runs every
# test the project has.  See README.md.

# Debian linux-source version the series applies to (sha256 pinned in
# config/base.sha256).  KERNEL_SRC=/path uses a local kernel tree instead.
BASE ?= 7.2.13-1
KERNEL_SRC ?=
# Mainline as Debian ships it, for `make compare`.
MAINLINE ?= 7.3.4-1~bpo13+1
# Kernel variant: default, or NAME for config/kernel/NAME.config.
VARIANT ?= default
# Subset of the matrix (names or globs); empty = all.
CONFIGS ?=
TIMEOUT ?= 600
# Programs of guest/order the guests leave out (a SKIP row each); empty = none.
SKIP_TESTS ?=
# Seed of the guests' random tests; empty = a new one per run, printed.
SEED ?=
JOBS ?= $(shell nproc)
# The HV configurations whose guests run kselftest's runner in `make`: one
# nested v1, one nested v2 and one PowerNV that run guests, and the two HV
# hosts that cannot (their skips must say why).  `make runner` runs it on
# the other HV configurations, `make qemu-l2-check` on QEMU_L2_CHECK; `make
# check` runs all three.  With CONFIGS set, every configuration named runs it.
RUNNER_CONFIGS ?= pseries-p9-v1 pseries-p9-v2 powernv10 powernv8 powernv9-hash

export BASE KERNEL_SRC JOBS

B := build
SUFFIX := $(if $(filter-out default,$(VARIANT)),-$(VARIANT))
VMLINUX := $(B)/vmlinux$(SUFFIX)
OBJ := $(B)/obj/$(VARIANT)
INITRAMFS := $(B)/initramfs$(SUFFIX).cpio
# The debug variants run where HV KVM does: their checkers watch the ioctl,
# and lockdep must still be on after the last test.  Their tree carries
# config/test-patches/, among them the candidate fix that makes every
# kernel address fault (guest/masked_access.c).
WHERE := $(if $(filter debug kasan,$(VARIANT)),hv=1)
MATRIX := scripts/matrix.py --jobs $(JOBS) --timeout $(TIMEOUT) $(if $(CONFIGS),--configs '$(CONFIGS)') \
	$(if $(WHERE),--where '$(WHERE)' --lockdep --set masked=efault) $(if $(SKIP_TESTS),--skip '$(SKIP_TESTS)') $(if $(SEED),--seed $(SEED))
RUNNER := $(if $(WHERE)$(CONFIGS),,--runner '$(RUNNER_CONFIGS)')
RUN_MATRIX = python3 $(MATRIX) $(RUNNER) --kunit --kernel $(VMLINUX) --initrd $(INITRAMFS) --results $(B)/results$(SUFFIX)

# Targets run one at a time, as listed.  Under a parent make's jobserver
# (`make check` runs this makefile from one, `make -jN` is one), the
# recipes marked `+` pass it on: the kernel builds, selftests and guests
# they start take their job slots from it instead of using -j$(JOBS).
.NOTPARALLEL:

.PHONY: all deps deps-check tree export export-check kernel initramfs matrix matrix-only debug kasan debian bench results \
	check checkpatch pipeline-test selftests selftests-x86 compare clean help \
	gates gate-bisect gate-build gate-docs gate-cover gates-test
.DEFAULT_GOAL := all

all: deps-check tree kernel initramfs matrix

help:
	@sed -n 's/^## //p' Makefile

## make deps          install every package the pipeline needs (apt, root)
deps:
	@scripts/deps install

# As root on a fresh machine, `make`, `make check` and `make kasan` install
# what is missing of the groups of scripts/deps they need: make check adds
# the gates' tools, make kasan Clang.
DEPS_GROUPS := build header fetch run
check: DEPS_GROUPS += gates
deps-check:
	@scripts/deps check $(DEPS_GROUPS) 2>/dev/null || \
	  if [ "$$(id -u)" = 0 ]; then scripts/deps install $(DEPS_GROUPS); else scripts/deps check $(DEPS_GROUPS); fi

## make tree          build/linux = base commit + one commit per patch
tree: $(B)/linux/.git/pipeline-applied

$(B)/linux/.git/pipeline-applied: patches/series $(wildcard patches/*.patch) config/base.sha256
	@scripts/tree

## make export        write build/linux's commits back into patches/
export:
	@scripts/export

## make export-check  fail, naming it, if build/linux has work patches/ lacks
export-check:
	@scripts/export --check

## make kernel        build/vmlinux (VARIANT=NAME: build/vmlinux-NAME; VARIANT=debug: lockdep, KFENCE, KVM as modules; VARIANT=kasan: and KASAN)
kernel: tree
	+@scripts/build-kernel $(VARIANT)

## make selftests     the KVM selftests for powerpc (static), for the guest
selftests: tree
	+@scripts/selftests powerpc

## make selftests-x86 the KVM selftests still build for x86_64 on the host
selftests-x86: tree
	+@scripts/selftests x86_64

## make initramfs     build/initramfs.cpio: /init, the guest tests, a Debian userspace and kselftest's runner (VARIANT=debug or kasan: the tests one by one, and the variant's modules)
# The default image runs the KVM selftests through kselftest's runner
# (guest/order-ci); the debug variants run them one by one (guest/order),
# so that SKIP_TESTS can leave the slowest out.
MKIMAGE := $(if $(WHERE),scripts/initramfs,ORDER=$(CURDIR)/guest/order-ci scripts/initramfs-l2)
initramfs: kernel selftests
	+@KOBJ=$(CURDIR)/$(OBJ) INITRAMFS=$(CURDIR)/$(INITRAMFS) STAGE=$(CURDIR)/$(B)/guest$(SUFFIX) \
	  $(MKIMAGE)

## make matrix        boot every configuration of config/matrix (CONFIGS=...; VARIANT=debug or kasan: the HV ones; SKIP_TESTS=...)
matrix: initramfs
	+@$(RUN_MATRIX)

## make matrix-only   make matrix on the kernel and initramfs as they are, building nothing
matrix-only:
	+@$(RUN_MATRIX)

## make runner        kselftest's runner on the HV configurations make's matrix leaves it out on, but for QEMU_L2_CHECK (results in build/results-runner/)
.PHONY: runner
runner: initramfs
	+@python3 $(MATRIX) --configs '$(addprefix !,$(RUNNER_CONFIGS) $(QEMU_L2_CHECK))' --where hv=1 \
	  --kunit --kernel $(VMLINUX) --initrd $(INITRAMFS) --results $(B)/results-runner

## make qemu-l2       every configuration that can run guests, in a Debian userspace: Debian's QEMU starts an L2 per mode, the KVM selftests run through kselftest's runner (CONFIGS=...; results in build/results-l2/)
## make qemu-l2-check make qemu-l2 on QEMU_L2_CHECK, one configuration per API (nested v1, v2, PowerNV)
# The image is build/initramfs-l2.cpio (scripts/initramfs-l2); the
# configurations are those config/matrix says run guests (guests=1).
QEMU_L2_CHECK ?= pseries-p10-v1 pseries-p11c10-v2 powernv9
.PHONY: qemu-l2 qemu-l2-check
qemu-l2: kernel
	+@KOBJ=$(CURDIR)/$(OBJ) L2_KERNEL=$(CURDIR)/$(VMLINUX) INITRAMFS=$(CURDIR)/$(B)/initramfs-l2$(SUFFIX).cpio \
	  STAGE=$(CURDIR)/$(B)/guest-l2$(SUFFIX) scripts/initramfs-l2
	+@python3 $(MATRIX) --where guests=1 --kunit --kernel $(VMLINUX) \
	  --initrd $(B)/initramfs-l2$(SUFFIX).cpio --results $(B)/results-l2$(SUFFIX)

qemu-l2-check:
	@$(MAKE) --no-print-directory qemu-l2 CONFIGS='$(QEMU_L2_CHECK)'

## make debug         make matrix VARIANT=debug: every HV configuration under the debug kernel
debug:
	@$(MAKE) --no-print-directory matrix VARIANT=debug

## make kasan         make matrix VARIANT=kasan: the same with KASAN, built with Clang 19 (not in make check)
kasan:
	@$(MAKE) --no-print-directory deps-check DEPS_GROUPS='$(DEPS_GROUPS) kasan'
	@$(MAKE) --no-print-directory matrix VARIANT=kasan

## make debian       Debian's own 7.2.13 kernels, 4K and 64K pages, with the series' KVM modules, every HV configuration (CONFIGS=...)
DEBIAN_FLAVOURS ?= powerpc64le powerpc64le-64k
debian: kernel selftests
	+@CONFIGS='$(CONFIGS)' SKIP_TESTS='$(SKIP_TESTS)' MATRIX_ARGS='--jobs $(JOBS) --timeout $(TIMEOUT)$(if $(SEED), --seed $(SEED))' \
	  scripts/debian $(DEBIAN_FLAVOURS)

## make bench        per-call cost of KVM_PPC_GET_COMPAT_CAPS vs KVM_CHECK_EXTENSION, every HV configuration
# The configuration is checked first (guest/order-bench); a ratio above the
# target fails the bench's row, and make bench with it.
bench: kernel
	+@KOBJ=$(CURDIR)/$(OBJ) INITRAMFS=$(CURDIR)/$(B)/initramfs-bench$(SUFFIX).cpio \
	  STAGE=$(CURDIR)/$(B)/guest-bench$(SUFFIX) ORDER=$(CURDIR)/guest/order-bench scripts/initramfs
	+@status=0; python3 $(MATRIX) --where hv=1 --kernel $(VMLINUX) \
	  --initrd $(B)/initramfs-bench$(SUFFIX).cpio --results $(B)/bench$(SUFFIX) || status=$$?; \
	  python3 scripts/bench.py ours=$(B)/bench$(SUFFIX) && exit $$status

## make compare      mainline 7.3 (Debian linux-source-7.3) vs ours, same matrix and bench
MAINLINE_ENV := KSRC=$(CURDIR)/$(B)/base/$(MAINLINE) KOBJ=$(CURDIR)/$(B)/obj/mainline \
	HOBJ=$(CURDIR)/$(B)/obj/mainline-headers
compare: matrix bench
	@scripts/fetch-base $(MAINLINE)
	+@$(MAINLINE_ENV) KOUT=$(CURDIR)/$(B)/vmlinux-mainline FRAGMENTS=base scripts/build-kernel
	+@$(MAINLINE_ENV) INITRAMFS=$(CURDIR)/$(B)/initramfs-mainline.cpio \
	  STAGE=$(CURDIR)/$(B)/guest-mainline scripts/initramfs
	+@python3 $(MATRIX) --report-only --kernel $(B)/vmlinux-mainline \
	  --initrd $(B)/initramfs-mainline.cpio --results $(B)/results-mainline >/dev/null
	+@$(MAINLINE_ENV) INITRAMFS=$(CURDIR)/$(B)/initramfs-bench-mainline.cpio \
	  STAGE=$(CURDIR)/$(B)/guest-bench-mainline ORDER=$(CURDIR)/guest/order-bench scripts/initramfs
	+@python3 $(MATRIX) --report-only --where hv=1 --kernel $(B)/vmlinux-mainline \
	  --initrd $(B)/initramfs-bench-mainline.cpio --results $(B)/bench-mainline >/dev/null
	@python3 scripts/compare.py $(B)/results-mainline $(B)/results
	@python3 scripts/bench.py mainline=$(B)/bench-mainline ours=$(B)/bench

## make check         every test: the pipeline's own, the main job, the debug matrix, the gates and their tests
# scripts/check runs them two at a time where they do not depend on each
# other, under one make that is the jobserver of all their builds.  The
# gates come after the main job: they reuse its objects through ccache.
# (The bisect gate builds the x86_64 KVM selftests at the tip and at
# every patch that changes them: `make selftests-x86` would only repeat that.)
# The build gate comes after both images are built (it checks them where
# make kernel built them); the debug matrix boots beside it and builds
# nothing (make matrix-only).
check: deps-check
	@scripts/check

## make gates         the upstream gates, at once: style, bisect, build, docs, cover
gates: tree
	+@scripts/gates

## make checkpatch    style gate: scripts/checkpatch.pl --strict on every patch
checkpatch: tree
	@scripts/checkpatch

## make gate-bisect   every prefix of the series builds
gate-bisect: tree
	+@scripts/gate-bisect

## make gate-build    build matrix (=y, =m, PR only, no KVM, BE, e500mc, x86 uAPI): W=1, sparse
gate-build: tree
	+@scripts/gate-build

## make gate-docs     htmldocs (virt/kvm) and kernel-doc: no new warning
gate-docs: tree
	@scripts/gate-docs

## make gate-cover    patches/ (cover letter included) is what export writes now
gate-cover: tree
	@scripts/gates cover

## make gates-test    series broken on purpose fail the matching gate
gates-test: gates
	+@tests/gates

## make results      README.md's tables, from what the last runs left in build/
results:
	@python3 scripts/results.py --readme README.md

## make pipeline-test the pipeline's own tests (no kernel build needed)
pipeline-test:
	@tests/run

clean:
	rm -rf $(B)/obj $(B)/gates $(B)/results* $(B)/bench* $(B)/guest* $(B)/vmlinux* $(B)/initramfs*.cpio
