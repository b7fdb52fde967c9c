# cordon-shell.bash — the rc file of `cordon shell` for bash (bash --rcfile THIS -i -s -- SO FLAGS):
# confine this bash in place with the `sandbox` builtin, so the verbs work as after `sandbox on`,
# then read the person's login startup files as `bash -l` would (--rcfile makes bash a non-login
# shell, so it would not). $1 is the builtin's file, the rest the policy flags of `sandbox on`.
# Anything that fails ends the shell: it must not go on unconfined.
if ! enable -f "$1" sandbox; then
	echo "cordon shell: cannot load the sandbox builtin $1; this shell ends" >&2
	exit 125
fi
shift
if ! sandbox on "$@"; then
	echo "cordon shell: the sandbox could not be set up (see above); this shell ends" >&2
	exit 125
fi
set --
if [ -r /etc/profile ]; then . /etc/profile; fi
if [ -r ~/.bash_profile ]; then
	. ~/.bash_profile
elif [ -r ~/.bash_login ]; then
	. ~/.bash_login
elif [ -r ~/.profile ]; then
	. ~/.profile
fi
