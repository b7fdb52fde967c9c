#!/usr/bin/env bats
# completions.bats — the completions of `cordon` and `sandbox` for bash and zsh, from a checkout
# (as README says: source / fpath) and as bash-completion and compinit find them once installed
# (make install DESTDIR, package.bats covers the package). Each asks for real candidates.

TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
BASH_COMPLETION=/usr/share/bash-completion/bash_completion

setup() {
	T=$(mktemp -d "${CORDON_TEST_ROOT:-/var/tmp}/cordon-compl.XXXXXX")
}

teardown() {
	[ -n "${T:-}" ] && rm -rf "$T"
	return 0
}

# bash_complete SETUP WORDS...: the candidates bash completion offers for the last word.
bash_complete() {
	local setup=$1
	shift
	bash --norc --noprofile -c "$setup"'
		words=("$@")
		COMP_WORDS=("${words[@]}") COMP_CWORD=$((${#words[@]} - 1))
		COMP_LINE="${words[*]}" COMP_POINT=${#COMP_LINE}
		spec=$(complete -p "${words[0]}" 2>/dev/null) || { echo "no completion for ${words[0]}"; exit 1; }
		fn=${spec#*-F }; fn=${fn%% *}
		"$fn" "${words[0]}" "${words[-1]}" "${words[-2]}"
		printf "%s\n" "${COMPREPLY[@]}"' bash "$@"
}

@test "bash, from a checkout: source completions/cordon.bash and bash-builtin/sandbox.bash-completion" {
	src="source $TOP/completions/cordon.bash; source $TOP/bash-builtin/sandbox.bash-completion"
	run bash_complete "$src" cordon r
	[ "$status" -eq 0 ] && [[ "$output" == *run* ]] || { echo "$output"; return 1; }
	run bash_complete "$src" cordon run --allow-
	[[ "$output" == *--allow-write* ]] && [[ "$output" == *--allow-host* ]] || { echo "$output"; return 1; }
	run bash_complete "$src" sandbox no
	[[ "$output" == *notify* ]] && [[ "$output" == *notices* ]] || { echo "$output"; return 1; }
	run bash_complete "$src" sandbox notify o
	[[ "$output" == *on* ]] && [[ "$output" == *off* ]] || { echo "$output"; return 1; }
	# the control: an unknown command word gets nothing
	run bash_complete "$src" cordon zz
	[ -z "$output" ]
}

@test "bash, installed: bash-completion loads cordon and sandbox from PREFIX/share on first use" {
	[ -f "$BASH_COMPLETION" ] || skip "bash-completion is not installed (build.sh installs it)"
	d=$T/share/bash-completion/completions
	mkdir -p "$d"
	cp "$TOP/completions/cordon.bash" "$d/cordon"
	cp "$TOP/bash-builtin/sandbox.bash-completion" "$d/sandbox"
	load="source $BASH_COMPLETION; XDG_DATA_DIRS=$T/share; _completion_loader cordon; _completion_loader sandbox"
	run bash_complete "$load" cordon sh
	[[ "$output" == *shell* ]] && [[ "$output" == *sh* ]] || { echo "$output"; return 1; }
	run bash_complete "$load" sandbox st
	[[ "$output" == *status* ]] || { echo "$output"; return 1; }
	# the control: without the directory bash-completion has nothing for cordon
	run bash_complete "source $BASH_COMPLETION; XDG_DATA_DIRS=$T/none; _completion_loader cordon" cordon r
	[[ "$output" != *run* ]] || { echo "$output"; return 1; }
}

@test "zsh, from a checkout and installed: compinit finds _cordon and _sandbox on fpath" {
	command -v zsh >/dev/null || skip "zsh is not installed"
	mkdir -p "$T/fn"
	cp "$TOP/completions/_cordon" "$TOP/zsh-module/_sandbox" "$T/fn/"
	for dirs in "$TOP/completions $TOP/zsh-module" "$T/fn"; do
		run env -i HOME="$T" PATH=/usr/bin:/bin zsh -fc "fpath=($dirs \$fpath)
			autoload -Uz compinit && compinit -u -d $T/zcompdump
			print cordon=\$_comps[cordon] sandbox=\$_comps[sandbox]"
		[[ "$output" == *"cordon=_cordon sandbox=_sandbox"* ]] || { echo "$dirs: $output"; return 1; }
	done
	run env -i HOME="$T" PATH=/usr/bin:/bin zsh -fc "autoload -Uz compinit && compinit -u -d $T/zcompdump2
		print cordon=\$_comps[cordon]"
	[[ "$output" != *"cordon=_cordon"* ]] || { echo "without fpath: $output"; return 1; }
}
