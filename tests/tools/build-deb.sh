#!/usr/bin/env bash
# build-deb.sh SRC OUTDIR — build the Debian package (debian/, dpkg-buildpackage -b) from the
# checkout SRC into OUTDIR (cordon_VERSION_ARCH.deb; the log in OUTDIR/build.log). It builds a
# clean copy of the tree (git's tracked and not-ignored files; without git, everything but the
# build directories), so SRC's own build/ is neither used nor touched. tests/run.sh runs it once
# for tests/bats/package.bats.
set -euo pipefail
src=$(cd "$1" && pwd)
out=$2
mkdir -p "$out"
work=$(mktemp -d /var/tmp/cordon-deb.XXXXXX)
trap 'rm -rf "$work"' EXIT
ver=$(dpkg-parsechangelog -l "$src/debian/changelog" -S Version)
tree=$work/cordon-$ver
mkdir "$tree"
if git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git -C "$src" ls-files -z -co --exclude-standard | tar -C "$src" --null -T - -cf - |
		tar -C "$tree" -xf -
else
	tar -C "$src" --exclude=./build --exclude=./build-san --exclude=./build-deb \
		--exclude=node_modules -cf - . | tar -C "$tree" -xf -
fi
# noautodbgsym: the -dbgsym package is not needed to test the package and doubles its time.
if ! (cd "$tree" && DEB_BUILD_OPTIONS="noautodbgsym parallel=$(nproc)" \
	dpkg-buildpackage -us -uc -b) >"$out/build.log" 2>&1; then
	tail -n 30 "$out/build.log" >&2
	exit 1
fi
cp "$work"/cordon_*.deb "$out/"
