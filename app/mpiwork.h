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
 * Compiled only into archsim-mpi (`make mpi`), which needs Open MPI's
 * headers and library; the plain archsim does not depend on them.
 */
#ifndef APP_MPIWORK_H
#define APP_MPIWORK_H

#include <signal.h>

#include "app/runner.h"
#include "sim/scenario.h"

/* mpiwork_init starts MPI; *rank and *size are this rank and how many
 * there are.  0, or -1 when MPI could not start. */
int mpiwork_init(int *argc, char ***argv, int *rank, int *size);

/* mpiwork_share_text sends (rank 0) or receives (the others) the scenario
 * file's name and text.  Rank 0 passes *file and *text (NULL when it
 * could not read or check the scenario: the workers then stop); the
 * others get malloc'd copies, or NULL for "nothing to do".  0 or -1. */
int mpiwork_share_text(int rank, char **file, char **text);

/* mpiwork_share_warmups sends (rank 0) or receives the warm-up of every
 * point of set (runner_warmups), after mpiwork_share_text gave the
 * workers a scenario.  0 or -1. */
int mpiwork_share_warmups(int rank, struct sweep *set);

/* mpiwork_transport fills t with the ranks 1 .. size-1 as workers. */
void mpiwork_transport(struct runner_transport *t, int size);

/* mpiwork_serve runs, on a worker rank, the items rank 0 sends until it
 * says there are no more. */
void mpiwork_serve(const struct sweep *set, volatile sig_atomic_t *stop);

/* mpiwork_finish tells the workers there is no more work (rank 0) and
 * ends MPI. */
void mpiwork_finish(int rank, int size);

#endif
