/*
 * mpiwork.h - work items over MPI ranks: build/archsim-mpi.
 *
 *   mpirun -n K build/archsim-mpi run FILE [options]
 *
 * Rank 0 is archsim as usual: it checks the scenario, opens the output
 * files, folds results and writes them.  Ranks 1 .. K-1 are workers: they
 * receive the scenario's text from rank 0 (so the file need only be where
 * rank 0 runs), check it with the same overrides from the command line,
 * then run the work items rank 0 sends them (runner.h) and send back each
 * result as a record (repio.h).  Rank 0 folds them in item order, so the
 * output is the same bytes as a one-process run.  Open MPI starts the
 * ranks and carries the messages; nothing here schedules machines.
 *
 * Only `run` without --shard puts the workers to work; for every other
 * line rank 0 tells them at its end that there is nothing to do.
 *
 * The same interface is in both programs, so that the rest of archsim
 * never asks which it is in: app/mpiwork.c compiled with ARCHSIM_MPI
 * (archsim-mpi, with Open MPI's headers and library) does the above;
 * compiled without it (the plain archsim, which needs no MPI), this
 * process is rank 0 of one, and every function below does what that
 * means - mostly nothing.
 */
#ifndef APP_MPIWORK_H
#define APP_MPIWORK_H

#include <signal.h>
#include <stddef.h>

#include "app/runner.h"
#include "sim/scenario.h"
#include "sim/sweep.h"

/* mpiwork_enter starts MPI, and on a worker rank sends stdout and stderr
 * to /dev/null (rank 0 reports for all).  0, or -1 when MPI could not
 * start.  Call it first, with main's arguments (MPI may take some). */
int mpiwork_enter(int *argc, char ***argv);

/* mpiwork_is_worker is 1 on ranks 1 .. K-1, 0 on rank 0 (and in the
 * plain archsim). */
int mpiwork_is_worker(void);

/* mpiwork_jobs is the number of processes -j defaults to, given the
 * cores: the cores, but 1 in archsim-mpi, where forked processes would
 * share MPI's connections (the ranks are its workers). */
unsigned mpiwork_jobs(unsigned cores);

/* mpiwork_transport fills t with ranks 1 .. K-1 as workers (runner_run_on)
 * and returns 1; 0, with t untouched, when there are no other ranks. */
int mpiwork_transport(struct runner_transport *t);

/* mpiwork_share_scenario, on rank 0, hands the workers the scenario the
 * run will use: its file name and text, and the warm-up of each point of
 * set (runner_warmups has run).  Call it at most once, before running on
 * mpiwork_transport's workers. */
void mpiwork_share_scenario(const char *file, const char *text, struct sweep *set);

/* mpiwork_serve_rank is a worker's whole part: it waits for rank 0's
 * scenario, checks it with the overrides (when `ready`: the worker read
 * the command line as rank 0 did), and runs the items rank 0 sends until
 * it says there are no more, or that there is no scenario.  stop is the
 * flag a stop signal sets. */
void mpiwork_serve_rank(int ready, const struct sc_override *sets, size_t nsets,
			volatile sig_atomic_t *stop);

/* mpiwork_finish ends MPI; on rank 0 it first tells the workers there is
 * no more work (or, when it shared no scenario, none at all).  Every rank
 * calls it once, at its end. */
void mpiwork_finish(void);

#endif
