# Shared by the pipeline's shell scripts.
# shellcheck shell=sh

die() {
	echo "${0##*/}: $*" >&2
	exit 1
}

# The patches of patches/series in order; a listed file that is missing is
# an error naming it.
series_patches() {
	[ -e "$top/patches/series" ] || return 0
	sed -e 's/#.*//' -e 's/[[:space:]]*$//' "$top/patches/series" | grep -v '^$' |
	while read -r p; do
		[ -e "$top/patches/$p" ] || die "patches/series lists $p, which does not exist"
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
