/*
 * main.c - the archsim program: `archsim --help` lists what it does.
 *
 * main sets up the process (GSL's errors, the allocator), joins MPI in
 * archsim-mpi, reads the command line (cmd.h), and carries out its
 * command; on an MPI worker rank it serves rank 0 instead (mpiwork.h).
 * The commands, their options and their usage are tables, in cmd.c and
 * one app/cmd_*.c file per command (or pair of commands).
 *
 * Exit status: 0 success; 1 a run failed (I/O, memory); 2 bad input (the
 * scenario, an override, the command line), with nothing written;
 * 130 / 143 stopped by SIGINT / SIGTERM after writing what finished.
 */
#include <stdio.h>
#include <unistd.h>

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <gsl/gsl_errno.h>

#include "app/cmd.h"
#include "app/mpiwork.h"

int main(int argc, char **argv)
{
	/* GSL reports failures (out of memory) by return value, not abort */
	gsl_set_error_handler_off();
#ifdef __GLIBC__
	/* every replication allocates its event and request pools (megabytes)
	 * and frees them at its end, often at the top of the heap: by default
	 * glibc hands that memory back to the system each time and the next
	 * replication faults it in again, which cost a sweep of short runs
	 * two thirds of its time in the kernel.  Keep up to 64 MB of free
	 * heap, and take blocks up to 32 MB from the heap, not from mmap. */
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	mallopt(M_MMAP_THRESHOLD, 32 << 20);
#endif
	if (mpiwork_enter(&argc, &argv)) {
		fprintf(stderr, "archsim: MPI could not start\n");
		return 1;
	}
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	struct cmd_args a;
	int status = cmd_parse(argc, argv,
			       mpiwork_jobs(cores < 1 ? 1 : cores > 256 ? 256 : (unsigned)cores), &a);
	if (mpiwork_is_worker()) {
		/* a worker reads the line as rank 0 does, for its overrides,
		 * and says nothing of it: rank 0 does */
		cmd_catch_signals();
		mpiwork_serve_rank(status == 0, a.sets.v, a.sets.n, &cmd_stop);
		status = 0;
	} else if (status == 0) {
		status = a.entry->exec(&a);
	}
	mpiwork_finish();
	cmd_args_free(&a);
	return status < 0 ? 0 : status;
}
