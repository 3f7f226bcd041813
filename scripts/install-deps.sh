#!/bin/sh
# Install the libraries and tools archsim needs, from the distribution's
# packages, when any is missing; extra tools (valgrind) may be named as
# arguments.  Debian and Ubuntu (apt-get); uses sudo when
# not run as root.  Safe to run again: it does nothing when all are present.
set -e

need=""
have_pc() { pkg-config --exists "$1" 2>/dev/null; }
command -v cc >/dev/null 2>&1 || need="$need gcc"
command -v make >/dev/null 2>&1 || need="$need make"
command -v pkg-config >/dev/null 2>&1 || need="$need pkg-config"
have_pc gsl || need="$need libgsl-dev"
have_pc yaml-0.1 || need="$need libyaml-dev"
have_pc cmocka || need="$need libcmocka-dev"
command -v gnuplot >/dev/null 2>&1 || need="$need gnuplot-nox"
# Open MPI, for build/archsim-mpi and its test
have_pc ompi-c || need="$need libopenmpi-dev"
command -v mpirun >/dev/null 2>&1 || need="$need openmpi-bin"
# clang and its fuzzer runtime, for the fuzz harnesses
command -v clang >/dev/null 2>&1 || need="$need clang"
if ! command -v clang >/dev/null 2>&1 ||
   ! echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }' |
     clang -fsanitize=fuzzer -x c - -o /dev/null >/dev/null 2>&1; then
	need="$need libclang-rt-dev"
fi

# optional tools named as arguments, e.g. `install-deps.sh valgrind`
for tool in "$@"; do
	command -v "$tool" >/dev/null 2>&1 || need="$need $tool"
done

[ -z "$need" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
	echo "archsim: missing:$need; install them with your package manager" >&2
	exit 1
fi
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "archsim: installing$need" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $need >&2
