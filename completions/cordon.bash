# cordon.bash — bash completion for the cordon helper binary: its commands, the policy flags and
# each command's options (see `cordon --help`). Installed as
# PREFIX/share/bash-completion/completions/cordon, which bash-completion loads on first use; from
# a checkout: source completions/cordon.bash.

_cordon() {
	local cur prev cmd i
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}
	if [ "$COMP_CWORD" -eq 1 ]; then
		COMPREPLY=($(compgen -W 'run shell sh check policy log approve connect serve --version --help' -- "$cur"))
		return 0
	fi
	cmd=${COMP_WORDS[1]}
	# After "--" the words belong to the command (cordon run -- CMD ...).
	for ((i = 2; i < COMP_CWORD; i++)); do
		if [ "${COMP_WORDS[i]}" = -- ]; then
			[ "$cmd" = run ] && [ "$i" -eq $((COMP_CWORD - 1)) ] &&
				COMPREPLY=($(compgen -c -- "$cur")) || COMPREPLY=($(compgen -f -- "$cur"))
			return 0
		fi
	done
	case $prev in
	--config)
		COMPREPLY=($(compgen -f -- "$cur"))
		return 0
		;;
	--allow-write)
		COMPREPLY=($(compgen -d -- "$cur"))
		return 0
		;;
	--allow-host)
		COMPREPLY=($(compgen -A hostname -- "$cur"))
		return 0
		;;
	-c | --ask-timeout)
		return 0
		;;
	esac
	local flags='--config --allow-write --allow-host --strict --lock --help'
	case $cmd in
	run) COMPREPLY=($(compgen -W "$flags -c --" -- "$cur")) ;;
	shell) COMPREPLY=($(compgen -W "$flags --" -- "$cur")) ;;
	sh) COMPREPLY=($(compgen -W "$flags -c" -- "$cur")) ;;
	policy) COMPREPLY=($(compgen -W "$flags --json" -- "$cur")) ;;
	check) COMPREPLY=($(compgen -W '--json --help' -- "$cur")) ;;
	log) COMPREPLY=($(compgen -W '--json -f --follow --help' -- "$cur") $(compgen -f -- "$cur")) ;;
	approve) COMPREPLY=($(compgen -W '--reject --pending --help' -- "$cur")) ;;
	serve) COMPREPLY=($(compgen -W '--stdio --ask-timeout --help' -- "$cur")) ;;
	connect) COMPREPLY=($(compgen -A hostname -- "$cur")) ;;
	esac
	return 0
}
complete -F _cordon cordon
