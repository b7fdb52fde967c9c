#!/usr/bin/env bash
# build.sh — install what cordon needs (Debian 12), build everything, optionally run the tests.
#   ./build.sh          install missing packages, build, then run `cordon run -- id` as a smoke test
#   ./build.sh test     install missing packages (test tools too), build, run every test suite
set -euo pipefail
cd "$(dirname "$0")"

# scdoc: the man pages; bash-completion: loads the installed completions of cordon and sandbox.
build_pkgs=(build-essential pkg-config libseccomp-dev libnl-3-dev libnl-route-3-dev libjsmn-dev
	libhttp-parser-dev libc-ares-dev libgnutls28-dev libcap-dev libcmocka-dev bash-builtins zsh-dev scdoc
	bash-completion libnftnl-dev libmnl-dev libldns-dev libssl-dev)
# debhelper: tests/run.sh builds the Debian package (dpkg-buildpackage) for package.bats.
test_pkgs=(bats curl git openssl python3 tmux util-linux bubblewrap hyperfine zsh neovim
	openssh-client openssh-server debhelper bind9-dnsutils netcat-openbsd
	openjdk-17-jdk-headless)

mode=${1:-build}
case "$mode" in
build) want=("${build_pkgs[@]}") ;;
test) want=("${build_pkgs[@]}" "${test_pkgs[@]}") ;;
*) echo "usage: ./build.sh [test]" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
command -v npm >/dev/null || missing+=(nodejs npm) # the VS Code extension's packaging
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" = 0 ]; then
		echo "build.sh: installing ${missing[*]}" >&2
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq
		apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	else
		echo "build.sh: missing packages; run:" >&2
		echo "  sudo apt-get install -y ${missing[*]}" >&2
		exit 1
	fi
fi

make -j"$(nproc)"

# The VS Code extension: dependencies from package-lock.json, then build/cordon.vsix.
ext=vscode-extension
if [ ! -d "$ext/node_modules" ] || [ "$ext/package-lock.json" -nt "$ext/node_modules" ]; then
	(cd "$ext" && npm ci --no-audit --no-fund --loglevel=error) && touch "$ext/node_modules"
fi
(cd "$ext" && npx --no-install vsce package --out ../build/cordon.vsix >/dev/null)

case "$mode" in
build)
	echo "build.sh: built build/cordon; smoke test: cordon run -- id" >&2
	./build/cordon run -- id
	;;
test)
	exec tests/run.sh
	;;
esac
