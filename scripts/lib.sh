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
	make -s -C "${KSRC:-$top/build/linux}" O="$hobj" ARCH="$1" headers >/dev/null ||
		die "cannot install the $1 uAPI headers in ${hobj#"$top"/}"
}

# ccache for the kernel and selftests builds.  BASEDIR: trees and object
# directories laid out alike under build/ share objects.  Depend mode: a
# miss compiles once, without a separate preprocessor run (about 27 %
# faster cold); the hits the pipeline relies on are direct ones, which
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
