#!/bin/sh
# man.sh BIN: write archsim(1) in troff on stdout, generated from what the
# binary prints: its usage and options (--help) and every topic of the
# reference (archsim help TOPIC), so the page says what the program does.
#
#   sh scripts/man.sh build/archsim > build/archsim.1
set -eu
bin=$1
# verbatim text, with troff's special characters escaped: a backslash, and
# a dot or quote at the start of a line
verbatim() {
	printf '.nf\n'
	sed -e 's/\\/\\e/g' -e 's/^\./\\\&./' -e "s/^'/\\\\\\&'/"
	printf '.fi\n'
}
version=$("$bin" --version | head -n 1)
printf '.TH ARCHSIM 1 "" "%s" "User Commands"\n' "$version"
printf '.SH NAME\narchsim \\- a discrete-event simulator for scalable web architectures\n'
printf '.SH SYNOPSIS\n'
"$bin" --help | sed -n '/^usage:/,/^$/p' | verbatim
printf '.SH DESCRIPTION\n'
"$bin" --help | sed '1,/^$/d' | verbatim
printf '.SH REFERENCE\n'
printf 'The scenario language, topic by topic, as \\fBarchsim help\\fR \\fITOPIC\\fR prints it.\n'
for topic in $("$bin" help | sed -n 's/^  \([a-z_][a-z_]*\) .*/\1/p'); do
	printf '.SS %s\n' "$topic"
	"$bin" help "$topic" | verbatim
done
printf '.SH SEE ALSO\n\\fBgnuplot\\fR(1); the README and docs/reference.md of the source tree.\n'
