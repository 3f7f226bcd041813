/*
 * database.h - the database kind: a primary and read replicas with
 * replication lag; and the core the shards kind builds its shards from.
 *
 * Writes go to the primary, a FIFO station of `primary.workers`; a write
 * commits when its service ends, and reaches each replica `lag` later
 * (a draw per write and replica, of the write's own).  A replica applies
 * writes in commit order, as a log is replayed: a write is applied no
 * earlier than the one committed before it.  Applying costs a replica
 * nothing.
 *
 * Reads go where `routing` says: primary_only; read_replicas (a replica
 * chosen by `replica_policy` among those up, the primary when none is);
 * read_your_writes (to the primary when the reader's session wrote the
 * key within `read_your_writes_window`, else as read_replicas).  A
 * session is a closed-loop user, or a connection of an open-loop workload
 * that declares `connections`, or else the whole workload; the calls a
 * request makes belong to its session.
 *
 * A read served by a replica is stale when a write to its key has
 * committed and not yet been applied there at the moment the read starts
 * its service; it is a read-your-writes violation when one of those
 * writes is the reader's session's own, made within the window.  With
 * writes applied in order, the latest write to the key, and the session's
 * own latest write to it, decide both: those two are remembered (commit
 * time, and when each unit applies it), and forgotten once every unit has
 * applied them and the window is past.
 *
 * Faults: `crash` of a unit (db[0] is the primary, db[1] ... the
 * replicas) fails what it holds; a crashed primary fails writes until it
 * recovers.  `lag` multiplies the lag of writes committed while it lasts.
 * `failover` fails the primary for good: writes (and reads that must go
 * to the primary) fail as unavailable for `promotion`, then the first
 * replica that is up becomes the primary, with its own workers and
 * service; if none is up, the first to recover.  A failover needs a
 * replica (the checker refuses one without).  `slow` slows a unit's service.
 */
#ifndef MODELS_DATABASE_H
#define MODELS_DATABASE_H

#include "sim/sim.h"

extern const struct model_ops database_ops;

/* ---- the core, for shards ----------------------------------------------- */

/* A role's stations: the primary's, or each replica's. */
struct role_cfg {
	int on;                      /* given (param_mark_given) */
	uint32_t workers;
	struct dist service;
};

/* A database's config (db_table fills it). */
/* Replication as MySQL and PostgreSQL replicas do it: each replica
 * receives the primary's log in commit order after a network `delay`, and
 * its `appliers` apply the writes, `apply` time each: one thread in
 * commit order, or N threads, each write to the thread of its key. */
struct repl_cfg {
	int given;
	struct dist delay, apply;
	int has_delay, has_apply;
	uint32_t appliers;
};

struct db_cfg {
	struct role_cfg primary, replica;
	uint32_t replicas;
	struct dist lag;
	int has_lag;
	struct repl_cfg repl;
	unsigned routing, policy;
	unsigned ryw_scope;          /* RYW_KEY, RYW_SESSION */
	int64_t ryw_window_ns;
};

struct db;

/* The parameter table of a database's mapping (the `shard:` of shards). */
extern const struct param_table db_table;

/* What one database measured since warm-up: its units summed. */
struct db_totals {
	uint64_t arrivals, reads, writes, failed, served;
	uint64_t stale, ryw;
	double lag_s;                /* summed over lag_n writes applied */
	uint64_t lag_n;
	double lag_p99_s;            /* NaN when not measured */
	uint64_t failover_lost;      /* writes a promoted replica never had */
	double sojourn_s;            /* over served */
	double busy, workers;        /* time-averaged busy workers, workers */
};

/* db_open builds the run state of one database of config c, held by node
 * n as shard `shard`; its events carry the shard in their arg.  fault_unit
 * is the node unit whose faults (slow) apply to all its stations, or
 * SIM_ANY: each station its own unit (the database kind).  0 or
 * SIM_ENOMEM. */
int db_open(struct sim *s, struct sim_node *n, const struct db_cfg *c,
	    uint32_t shard, uint32_t fault_unit, struct db **out);
void db_close(struct db *d);
void db_arrive(struct sim *s, struct sim_node *n, struct db *d, struct request *req);
void db_event(struct sim *s, struct sim_node *n, struct db *d, struct event *ev);
/* db_crash / db_recover: unit u (SIM_ANY: every unit) goes down / up. */
void db_crash(struct sim *s, struct sim_node *n, struct db *d, uint32_t u);
void db_recover(struct sim *s, struct sim_node *n, struct db *d, uint32_t u);
/* The database's own timeline actions, which shards take too. */
extern const struct tl_action_def db_lag, db_failover;

/* db_action carries out entry t of the database's own actions (t->def is
 * db_lag or db_failover) on d, node n's database: starting (start = 1)
 * or, for a lag with `for`, ending. */
void db_action(struct sim *s, struct sim_node *n, struct db *d,
	       const struct tl_entry *t, int start);
/* db_restart zeroes d's statistics at time now (warm-up's end), keeping
 * its state. */
void db_restart(struct db *d, int64_t now);
/* db_totals sums d's units' statistics up to now into out. */
void db_totals(const struct db *d, int64_t now, struct db_totals *out);
/* The columns a database's rows begin with (shards' too). */
#define DB_COL_DEFS \
	{ "arrivals", COL_SUM, "requests that reached the node" }, \
	{ "failed", COL_SUM, "requests that failed here" }, \
	{ "utilization", COL_MEAN, "busy workers over workers, time-averaged" }, \
	{ "latency_mean_s", COL_RATIO, "time from arrival to the end of service" }, \
	{ "reads", COL_SUM, "database: reads that started service" }, \
	{ "writes", COL_SUM, "database: writes that started service" }, \
	{ "stale_reads", COL_SUM, \
	  "database: reads served by a replica that had not yet applied the latest committed write to their key" }, \
	{ "stale_ratio", COL_RATIO, "database: stale_reads / reads" }, \
	{ "ryw_violations", COL_SUM, \
	  "database: stale reads of a key the reader's session wrote within read_your_writes_window" }, \
	{ "lag_mean_s", COL_RATIO, \
	  "database: replication lag, from a write's commit at the primary to its apply at a replica (as Seconds_Behind_Source and replay_lag measure it), over the writes committed in the window and the replicas" }, \
	{ "lag_p99_s", COL_MEAN, "database: its 99th percentile, per replication, averaged" }, \
	{ "failover_lost_writes", COL_SUM, \
	  "database: committed writes the promoted replica had not received when the primary failed over: lost" },
#define DB_NCOLS 12

/* db_row writes the DB_COL_DEFS cells of a row from t. */
void db_row(double *v, const struct db_totals *t);

/* db_window adds to *busy the busy-worker integral (worker-ns since
 * warm-up's end) of d's stations and to *cap their workers, and to *reads
 * and *stale the reads and stale reads since the last call, and starts a
 * new window. */
void db_window(struct db *d, int64_t now, double *busy, double *cap,
	       uint64_t *reads, uint64_t *stale);

/* db_busy_integral: busy-worker time of d's stations since warm-up's end
 * (worker-ns). */
double db_busy_integral(const struct db *d, int64_t now);

/* db_check_failover (from a kind's link): a `failover` of node self,
 * whose databases are configured by c, needs a replica to promote.  0 or
 * SIM_EINVAL with a located message. */
int db_check_failover(struct check_ctx *ctx, const struct scenario *sc,
		      const struct sc_node *self, const struct db_cfg *c);

/* db_shard_of returns the shard an event of a db names. */
static inline uint32_t db_shard_of(const struct event *ev)
{
	return (uint32_t)(ev->arg >> 32);
}

#endif
