# .zshenv of `cordon shell` for zsh (ZDOTDIR=this directory, zsh -l -i -s -- MODDIR FLAGS): confine
# this zsh in place with the cordon/sandbox module before any of the person's startup files, so
# the `sandbox` verbs work as after `sandbox on`; then give ZDOTDIR back, so zsh reads the
# person's .zshenv (here), .zprofile, .zshrc and .zlogin from where it always does. $1 is the
# module directory (for module_path), the rest the policy flags of `sandbox on`. Anything that
# fails ends the shell: it must not go on unconfined.
if [[ -n ${CORDON_SHELL_ZDOTDIR+set} ]]; then
	ZDOTDIR=$CORDON_SHELL_ZDOTDIR
else
	unset ZDOTDIR
fi
unset CORDON_SHELL_ZDOTDIR
() {
	local -a saved=($module_path)
	module_path=("$1" $module_path)
	zmodload cordon/sandbox
	local r=$?
	module_path=($saved)
	return $r
} "$1" || {
	print -u2 "cordon shell: cannot load the cordon/sandbox module from $1; this shell ends"
	exit 125
}
shift
if ! sandbox on "$@"; then
	print -u2 "cordon shell: the sandbox could not be set up (see above); this shell ends"
	exit 125
fi
set --
if [[ -r ${ZDOTDIR:-$HOME}/.zshenv ]]; then
	source "${ZDOTDIR:-$HOME}/.zshenv"
fi
