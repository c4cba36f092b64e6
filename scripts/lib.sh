# Shared by the pipeline's shell scripts.
# shellcheck shell=sh

die() {
	echo "${0##*/}: $*" >&2
	exit 1
}

# The patches of patches/series in order; a listed file that is missing is
# an error naming it.
# $PATCHES: another patches/ directory (the gates' tests break a copy).
series_patches() {
	pdir=${PATCHES:-$top/patches}
	[ -e "$pdir/series" ] || return 0
	sed -e 's/#.*//' -e 's/[[:space:]]*$//' "$pdir/series" | grep -v '^$' |
	while read -r p; do
		[ -e "$pdir/$p" ] || die "patches/series lists $p, which does not exist"
		echo "$p"
	done
}

# test_tree: print build/test/linux, a git worktree of build/linux at its
# HEAD with the test-only patches of config/test-patches/series applied:
# the tree the debug images are built from.  It is brought up to date when
# build/linux's HEAD or a test patch has changed; files that did not change
# keep their times, so builds stay incremental.
test_tree() {
	tdir=$top/build/test/linux
	tpatches=$top/config/test-patches
	[ -d "$top/build/linux/.git" ] || die "no build/linux; run 'make tree'"
	thead=$(git -C "$top/build/linux" rev-parse HEAD)
	tlist=$(sed -e 's/#.*//' -e 's/[[:space:]]*$//' "$tpatches/series" | grep -v '^$') ||
		die "config/test-patches/series lists no patch"
	tkey="$thead $(cd "$tpatches" && cat series $tlist | sha256sum | cut -c1-16)"
	if [ "$(cat "$tdir.key" 2>/dev/null)" != "$tkey" ]; then
		git -C "$tdir" am --abort >/dev/null 2>&1 || true
		mkdir -p "${tdir%/*}"
		gate_worktree "$tdir" "$thead" >&2
		for tp in $tlist; do
			[ -e "$tpatches/$tp" ] || die "config/test-patches/series lists $tp, which does not exist"
			git -C "$tdir" am -q --keep-cr "$tpatches/$tp" >/dev/null 2>"$tdir.am.log" || {
				git -C "$tdir" am --abort >/dev/null 2>&1 || true
				die "test patch config/test-patches/$tp does not apply on build/linux's HEAD"
			}
		done
		echo "$tkey" > "$tdir.key"
	fi
	echo "$tdir"
}

# Commits in build/linux are authored as the series' author; the DCO
# sign-off is left to whoever submits the series.
AUTHOR_NAME='Seed a9e111df'
AUTHOR_EMAIL='kernel@seed-a9e111df.invalid'
git_identity() {
	git -C "$1" config user.name "$AUTHOR_NAME"
	git -C "$1" config user.email "$AUTHOR_EMAIL"
	git -C "$1" config core.abbrev 12
	git -C "$1" config gc.auto 0
}

# gate_worktree DIR REV: a detached git worktree of build/linux at DIR,
# checked out at REV; build/linux's own branch and files are not touched.
# One rebuilt by `make tree` leaves a stale worktree behind: start afresh.
gate_worktree() {
	if ! git -C "$1" rev-parse -q --verify HEAD >/dev/null 2>&1; then
		rm -rf "$1"
		git -C "$top/build/linux" worktree prune
		git -C "$top/build/linux" worktree add -q --detach "$1" "$2" ||
			die "cannot add a worktree of build/linux at $1"
	fi
	git -C "$1" checkout -q --detach "$2" || die "cannot check out $2 in $1"
}

# in_toolchain SRC OBJ CMD...: run CMD in a chroot of build/debian/toolchain
# (Debian unstable's cross compiler for its ppc64el kernels: scripts/
# fetch-debian toolchain), with the kernel tree SRC at /src, OBJ at /obj
# and build/cache/ccache-debian at /ccache, in a mount namespace of its own
# so that the bind mounts go when CMD ends.  CMD sees the chroot's
# environment alone.
in_toolchain() {
	[ "$(id -u)" = 0 ] || die "builds in a chroot of build/debian/toolchain: run as root"
	command -v unshare >/dev/null || die "needs unshare (Debian package util-linux)"
	mkdir -p "$top/build/cache/ccache-debian" "$2"
	it_src=$1 it_obj=$2
	shift 2
	unshare -m sh -ec '
		tc=$1 src=$2 obj=$3 cache=$4
		shift 4
		mkdir -p "$tc/src" "$tc/obj" "$tc/ccache" "$tc/dev" "$tc/tmp"
		mount --bind "$src" "$tc/src"
		mount --bind "$obj" "$tc/obj"
		mount --bind "$cache" "$tc/ccache"
		for d in null:3 zero:5 random:8 urandom:9; do
			[ -c "$tc/dev/${d%:*}" ] || mknod -m 666 "$tc/dev/${d%:*}" c 1 "${d#*:}"
		done
		exec chroot "$tc" /usr/bin/env -i PATH=/usr/bin:/usr/sbin HOME=/tmp LC_ALL=C \
			CCACHE_DIR=/ccache CCACHE_BASEDIR=/ CCACHE_MAXSIZE=2G \
			KBUILD_BUILD_USER=pipeline KBUILD_BUILD_HOST=qemu "$@"
	' sh "$top/build/debian/toolchain" "$it_src" "$it_obj" "$top/build/cache/ccache-debian" "$@"
}

# warnings FILE: the warnings and errors of a build log, without line numbers
# or the path to the tree, sorted; what base and series builds are compared by.
warnings() {
	grep -E ': (warning|error):|^(WARNING|ERROR): modpost:' "$1" |
		sed -E 's#^([^ :]*/)?linux/##; s#^/src/##; s#^(\.\./)+##; s#:[0-9]+(:[0-9]+)?:#:#' | sort
}

# kconfig_filter SRC FRAGMENT OUT: FRAGMENT without the options SRC's Kconfig
# does not define (yet): a prefix of the series lacks the symbols it adds.
kconfig_filter() {
	find "$1" -name 'Kconfig*' -not -path '*/tools/*' -exec \
		sed -n 's/^[[:space:]]*\(menu\)\{0,1\}config[[:space:]]\{1,\}\([A-Za-z0-9_]*\).*/CONFIG_\2/p' {} + |
		sort -u > "$3.syms"
	while IFS= read -r line; do
		sym=$(echo "$line" | sed -n 's/^\(# \)\{0,1\}\(CONFIG_[A-Za-z0-9_]*\)[= ].*/\2/p')
		[ -z "$sym" ] || grep -qx "$sym" "$3.syms" && echo "$line"
	done < "$2" > "$3"
	rm -f "$3.syms"
}

# apt_download SUITE PACKAGE[=VERSION] DIR: `apt-get download` from Debian
# SUITE into DIR through a private apt configuration under build/cache/ (the
# system's sources and packages are left alone).  apt checks the download
# against the suite's signed index.
apt_download() {
	suite=$1 package=$2 into=$3
	apt=$top/build/cache/apt-$suite
	mkdir -p "$apt/lists/partial" "$apt/archives/partial" "$into"
	echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $suite main" \
		> "$apt/sources.list"
	set -- -o Dir::Etc::SourceList="$apt/sources.list" -o Dir::Etc::SourceParts=/dev/null \
		-o Dir::State::Lists="$apt/lists" -o Dir::Cache="$apt" \
		-o Dir::State::status=/dev/null -o APT::Sandbox::User=root
	echo "${0##*/}: downloading $package from Debian $suite"
	apt-get -q "$@" update >"$apt/update.log" 2>&1 ||
		{ cat "$apt/update.log" >&2; die "apt-get update for Debian $suite failed"; }
	(cd "$into" && apt-get -q "$@" download "$package" >"$apt/download.log" 2>&1) ||
		{ cat "$apt/download.log" >&2; die "cannot download $package from Debian $suite"; }
}

# uapi_headers ARCH: install the uAPI headers of the tree under test
# ($KSRC, default build/linux) for ARCH (powerpc or x86) in $HOBJ (default
# build/obj/ARCH-headers) and set $hobj to that directory.  They do not
# depend on a kernel configuration, so the selftests and every image's
# guest programs share one copy.  Another tree's headers must not replace
# this tree's: KSRC needs HOBJ.
uapi_headers() {
	[ -z "${KSRC:-}" ] || [ -n "${HOBJ:-}" ] || die "KSRC needs HOBJ (where its uAPI headers go)"
	hobj=${HOBJ:-$top/build/obj/$1-headers}
	# (Parts of make check that run at the same time share the directory:
	# one installs at a time.)
	mkdir -p "$hobj"
	flock "$hobj.lock" make -s -C "${KSRC:-$top/build/linux}" O="$hobj" ARCH="$1" headers >/dev/null ||
		die "cannot install the $1 uAPI headers in ${hobj#"$top"/}"
}

# ccache for the kernel and selftests builds.  BASEDIR: trees and object
# directories laid out alike under build/ share objects.  Depend mode: a
# miss compiles once, without a separate preprocessor run (faster
# cold); the hits the pipeline relies on are direct ones, which
# depend mode keeps.
ccache_env() {
	export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
	export CCACHE_BASEDIR="$top/build"
	export CCACHE_DEPEND=1
}

# make_jobs: the -j option for a make a script runs: -j$JOBS (default: the
# number of CPUs), or nothing when the script runs under a GNU make jobserver
# it can reach (`make check`'s): that make then takes its job slots from the
# jobserver, shared with every build and guest running beside it.
make_jobs() {
	auth=$(echo " ${MAKEFLAGS:-} " | sed -n 's/.* --jobserver-auth=\([^ ]*\) .*/\1/p')
	case $auth in
	fifo:*) [ -p "${auth#fifo:}" ] && return 0 ;;
	*,*) [ -e "/proc/self/fd/${auth%,*}" ] && [ -e "/proc/self/fd/${auth#*,}" ] && return 0 ;;
	esac
	echo "-j${JOBS:-$(nproc)}"
}
