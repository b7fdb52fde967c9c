# helptags.awk — the tags of a Vim help file, as :helptags writes them (:help help-writing,
# :help tags-file-format): one "TAG<Tab>FILE<Tab>/*TAG*" line for every *TAG* whose star is at a
# line start or after white space and whose closing star is followed by white space or the line
# end; TAG holds no white space, "|" or "*". Unsorted: the Makefile sorts with LC_ALL=C, as Vim
# does. Usage: awk -f helptags.awk doc/NAME.txt
{
	file = FILENAME
	sub(/.*\//, "", file)
	line = " " $0 " "
	while (match(line, /[ \t]\*[^ \t|*]+\*[ \t]/)) {
		tag = substr(line, RSTART + 2, RLENGTH - 4)
		pat = tag
		gsub(/\\/, "\\\\", pat)
		gsub(/\//, "\\/", pat)
		printf "%s\t%s\t/*%s*\n", tag, file, pat
		line = substr(line, RSTART + RLENGTH - 1)
	}
}
