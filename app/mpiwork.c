/*
 * mpiwork.c - work items over MPI ranks; see mpiwork.h.
 *
 * This is the one file that knows whether archsim has MPI: compiled with
 * ARCHSIM_MPI (archsim-mpi) it speaks MPI; without, it is the plain
 * archsim's single process, rank 0 of one, and its functions are the few
 * lines at the end.
 *
 * Messages: rank 0 broadcasts the scenario's file name and text (empty:
 * there is no work), then every point's warm-up.  It sends a worker an
 * item number (TAG_ITEM, one uint64_t) or, at the end, TAG_END.  A worker
 * answers with one TAG_REPLY message of bytes: item, status, message
 * length and record length (four uint64_t), then the message and the
 * record.  Rank 0 waits for replies with MPI_Iprobe and short sleeps, so
 * that it still sees a stop signal.
 */
#include "app/mpiwork.h"

#ifdef ARCHSIM_MPI

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mpi.h>

#include "app/lang.h"

enum { TAG_ITEM = 1, TAG_END, TAG_REPLY };

/* this process's rank, and how many there are */
static int rank, size = 1;
/* items sent and not yet answered: rank 0 collects their replies before
 * it ends, so that no worker is left blocked in a send */
static unsigned long outstanding;
/* rank 0 sent the workers a scenario (shared), and it was one to run
 * (serving: they wait for items, then TAG_END) */
static int shared, serving;

int mpiwork_enter(int *argc, char ***argv)
{
	if (MPI_Init(argc, argv) != MPI_SUCCESS)
		return -1;
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &size);
	/* a worker says nothing: rank 0 reports for all */
	if (rank != 0 && (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr)))
		return -1;
	return 0;
}

int mpiwork_is_worker(void)
{
	return rank != 0;
}

unsigned mpiwork_jobs(unsigned cores)
{
	return 1;
}

/* share one string from rank 0: its length + 1 (0: NULL), then it */
static int share(char **s)
{
	unsigned long long len = rank == 0 && *s ? strlen(*s) + 1 : 0;
	if (MPI_Bcast(&len, 1, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD) != MPI_SUCCESS ||
	    len > INT_MAX)
		return -1;
	if (rank != 0) {
		*s = NULL;
		if (!len)
			return 0;
		if (!(*s = malloc(len)))
			return -1;
	}
	if (len && MPI_Bcast(*s, (int)len, MPI_CHAR, 0, MPI_COMM_WORLD) != MPI_SUCCESS)
		return -1;
	return 0;
}

/* share_text sends (rank 0) or receives the scenario file's name and
 * text, both NULL for "nothing to do"; the workers get malloc'd copies.
 * 0 or -1. */
static int share_text(char **file, char **text)
{
	if (rank == 0) {
		if (!*file || !*text)
			*file = *text = NULL;
		shared = 1;
		serving = *file != NULL;
	}
	return share(file) || share(text) ? -1 : 0;
}

/* share_warmups sends (rank 0) or receives the warm-up of every point of
 * set (runner_warmups).  0 or -1. */
static int share_warmups(struct sweep *set)
{
	/* in pieces: MPI counts are ints */
	for (size_t p = 0; p < set->npoints; p += 1 << 20) {
		size_t n = set->npoints - p < (1u << 20) ? set->npoints - p : 1u << 20;
		if (MPI_Bcast(set->warmup_ns + p, (int)n, MPI_INT64_T, 0, MPI_COMM_WORLD) !=
		    MPI_SUCCESS)
			return -1;
	}
	for (size_t p = 0; rank != 0 && p < set->npoints; p++)
		sweep_set_warmup(set, p, set->warmup_ns[p]);
	return 0;
}

void mpiwork_share_scenario(const char *file, const char *text, struct sweep *set)
{
	char *f = (char *)file, *t = (char *)text;
	share_text(&f, &t);
	if (f)
		share_warmups(set);
}

/* ---- rank 0 ------------------------------------------------------------- */

static int mpi_send(void *ctx, unsigned w, uint64_t item)
{
	(void)ctx;
	if (MPI_Send(&item, 1, MPI_UINT64_T, (int)w + 1, TAG_ITEM, MPI_COMM_WORLD) != MPI_SUCCESS)
		return -1;
	outstanding++;
	return 0;
}

static int mpi_recv(void *ctx, unsigned *w, struct runner_reply *out, int wait,
		    struct sim_err *err)
{
	(void)ctx;
	struct timespec nap = { 0, 1000000 };
	for (int tries = 0; tries < (wait ? 250 : 1); tries++) {
		int flag = 0;
		MPI_Status st;
		if (MPI_Iprobe(MPI_ANY_SOURCE, TAG_REPLY, MPI_COMM_WORLD, &flag, &st) != MPI_SUCCESS) {
			sim_errf(err, SIM_EIO, "MPI_Iprobe failed");
			return -1;
		}
		if (!flag) {
			nanosleep(&nap, NULL);
			continue;
		}
		int n;
		MPI_Get_count(&st, MPI_BYTE, &n);
		unsigned char *buf = malloc(n > 0 ? (size_t)n : 1);
		if (!buf) {
			sim_errf(err, SIM_ENOMEM, "out of memory");
			return -1;
		}
		if (MPI_Recv(buf, n, MPI_BYTE, st.MPI_SOURCE, TAG_REPLY, MPI_COMM_WORLD,
			     MPI_STATUS_IGNORE) != MPI_SUCCESS) {
			free(buf);
			sim_errf(err, SIM_EIO, "MPI_Recv failed");
			return -1;
		}
		outstanding--;
		struct runner_hdr h;
		if ((size_t)n >= sizeof h)
			memcpy(&h, buf, sizeof h);
		if ((size_t)n < sizeof h || h.msglen >= SIM_ERR_MSG_MAX ||
		    sizeof h + h.msglen + h.reclen != (size_t)n) {
			free(buf);
			sim_errf(err, SIM_EIO, "rank %d sent a damaged reply", st.MPI_SOURCE);
			return -1;
		}
		out->item = h.item;
		out->rc = (int)h.rc;
		memcpy(out->msg, buf + sizeof h, h.msglen);
		out->msg[h.msglen] = 0;
		out->reclen = h.reclen;
		/* the record moves to the front of the buffer, which the
		 * caller frees */
		memmove(buf, buf + sizeof h + h.msglen, h.reclen);
		out->rec = buf;
		*w = (unsigned)st.MPI_SOURCE - 1;
		return 1;
	}
	return 0;
}

int mpiwork_transport(struct runner_transport *t)
{
	if (size < 2)
		return 0;
	*t = (struct runner_transport){
		.workers = (unsigned)size - 1,
		.send = mpi_send,
		.recv = mpi_recv,
	};
	return 1;
}

void mpiwork_finish(void)
{
	if (rank == 0 && !shared) {
		/* the workers wait for a scenario: there is none */
		char *none = NULL;
		share_text(&none, &none);
	}
	if (rank == 0 && serving) {
		uint64_t none = 0;
		while (outstanding) {
			struct runner_reply r;
			struct sim_err err;
			unsigned w;
			int got = mpi_recv(NULL, &w, &r, 1, &err);
			if (got < 0)
				break;
			if (got)
				free(r.rec);
		}
		for (int r = 1; r < size; r++)
			MPI_Send(&none, 1, MPI_UINT64_T, r, TAG_END, MPI_COMM_WORLD);
	}
	MPI_Finalize();
}

/* ---- the workers ---------------------------------------------------------- */

static int worker_next(void *ctx, uint64_t *item)
{
	MPI_Status st;
	(void)ctx;
	if (MPI_Recv(item, 1, MPI_UINT64_T, 0, MPI_ANY_TAG, MPI_COMM_WORLD, &st) != MPI_SUCCESS)
		return 0;
	return st.MPI_TAG == TAG_ITEM;
}

static int worker_reply(void *ctx, uint64_t item, int rc, const char *msg, const void *rec,
			size_t len)
{
	(void)ctx;
	struct runner_hdr h = { .item = item, .rc = rc, .msglen = strlen(msg), .reclen = len };
	size_t n = sizeof h + h.msglen + len;
	unsigned char *buf = n <= INT_MAX ? malloc(n) : NULL;
	if (!buf) {
		/* rank 0 waits for this item: tell it why it will not come */
		static const char why[] = "a worker rank could not send its result (out of memory, or over 2 GB)";
		unsigned char small[sizeof h + sizeof why];
		h.rc = SIM_ENOMEM;
		h.msglen = sizeof why - 1;
		h.reclen = 0;
		memcpy(small, &h, sizeof h);
		memcpy(small + sizeof h, why, sizeof why - 1);
		MPI_Send(small, (int)(sizeof h + sizeof why - 1), MPI_BYTE, 0, TAG_REPLY, MPI_COMM_WORLD);
		return 0;            /* and wait, as the others do, for the end */
	}
	memcpy(buf, &h, sizeof h);
	memcpy(buf + sizeof h, msg, h.msglen);
	if (len)
		memcpy(buf + sizeof h + h.msglen, rec, len);
	int ok = MPI_Send(buf, (int)n, MPI_BYTE, 0, TAG_REPLY, MPI_COMM_WORLD) == MPI_SUCCESS;
	free(buf);
	return ok ? 0 : -1;
}

void mpiwork_serve_rank(int ready, const struct sc_override *sets, size_t nsets,
			volatile sig_atomic_t *stop)
{
	/* the scenario comes from rank 0, checked here with the same
	 * overrides; then items until rank 0 says the end */
	char *file = NULL, *text = NULL;
	struct sweep *set = NULL;
	struct sim_err err = { 0 };
	struct runner_worker wk = { NULL, worker_next, worker_reply, NULL };
	if (share_text(&file, &text) == 0 && file && ready &&
	    sweep_load_string(&archsim_lang, file, text, sets, nsets, &set, &err) == 0 &&
	    share_warmups(set) == 0)
		runner_serve(set, &wk, stop);
	sweep_free(set);
	free(file);
	free(text);
}

#else /* the plain archsim: rank 0 of one */

int mpiwork_enter(int *argc, char ***argv)
{
	return 0;
}

int mpiwork_is_worker(void)
{
	return 0;
}

unsigned mpiwork_jobs(unsigned cores)
{
	return cores;
}

int mpiwork_transport(struct runner_transport *t)
{
	return 0;
}

void mpiwork_share_scenario(const char *file, const char *text, struct sweep *set)
{
}

void mpiwork_serve_rank(int ready, const struct sc_override *sets, size_t nsets,
			volatile sig_atomic_t *stop)
{
}

void mpiwork_finish(void)
{
}

#endif
