/*
 * split.c - a sweep split over jobs, and merged; see split.h.
 *
 * Layout (native byte order, as the records inside):
 *
 *   "ARSHARD\n", u32 byte-order mark, u32 I - 1, u32 N, u32 0,
 *   u64 items in the whole sweep,
 *   str version, str file, str text, u64 overrides, (str path, str value)*
 *   u64 points, i64 warm-up of each point in ns (warmup: auto's cuts)
 *   records: (u64 item, u64 length, the record)*
 *   u64 UINT64_MAX, u64 records written        (the file is complete)
 *
 * where str is a u64 length and that many bytes.
 */
#define _DEFAULT_SOURCE 1    /* DT_* */
#include "app/split.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/outfile.h"
#include "app/repio.h"

#define SHARD_MAGIC "ARSHARD\n"
#define SHARD_BOM 0x01020304u
#define SHARD_MAX 100000u
#define SHARD_MAX_STR (64u << 20)

int split_parse(const char *arg, uint32_t *index, uint32_t *count, struct sim_err *err)
{
	char *end;
	errno = 0;
	unsigned long i = strtoul(arg, &end, 10);
	if (end == arg || *end != '/' || errno)
		goto bad;
	const char *b = end + 1;
	unsigned long n = strtoul(b, &end, 10);
	if (end == b || *end || errno || i < 1 || n < 1 || i > n || n > SHARD_MAX)
		goto bad;
	*index = (uint32_t)(i - 1);
	*count = (uint32_t)n;
	return 0;
bad:
	return sim_errf(err, SIM_EINVAL,
			"--shard %s: expected I/N, shard I of N, with 1 <= I <= N <= %u (e.g. 2/8)",
			arg, SHARD_MAX);
}

/* ---- writing ------------------------------------------------------------- */

static int put(FILE *f, const void *p, size_t n)
{
	return fwrite(p, 1, n, f) == n ? 0 : -1;
}

static int put64(FILE *f, uint64_t v)
{
	return put(f, &v, sizeof v);
}

static int put_str(FILE *f, const char *s)
{
	size_t n = strlen(s);
	return put64(f, n) || put(f, s, n);
}

struct writer {
	FILE *f;
	struct repio_buf buf;
	uint64_t records;
};

static int sink(void *arg, uint64_t item, const struct rep_result *res, struct sim_err *err)
{
	struct writer *w = arg;
	if (repio_pack(res, &w->buf))
		return sim_errf(err, SIM_ENOMEM, "out of memory");
	if (put64(w->f, item) || put64(w->f, w->buf.len) || put(w->f, w->buf.data, w->buf.len))
		return sim_errf(err, SIM_EIO, "write failed: %s", strerror(errno));
	w->records++;
	return 0;
}

int split_run(const struct sweep *set, const struct sweep_source *src,
	      uint32_t index, uint32_t count, const char *dir, const char *version,
	      const struct runner_opts *o, char *path, size_t len, struct sim_err *err)
{
	char name[64];
	struct outfile out;
	snprintf(name, sizeof name, "shard-%u-of-%u.rec", index + 1, count);
	int rc = outfile_open(&out, dir, name, err);
	if (rc)
		return rc;
	snprintf(path, len, "%s", out.path);
	struct writer w = { .f = out.f };
	uint32_t head[4] = { SHARD_BOM, index, count, 0 };
	if (put(w.f, SHARD_MAGIC, 8) || put(w.f, head, sizeof head) ||
	    put64(w.f, runner_items(set)) || put_str(w.f, version) ||
	    put_str(w.f, src->file) || put_str(w.f, src->text) || put64(w.f, src->nsets))
		rc = SIM_EIO;
	for (size_t i = 0; rc == 0 && i < src->nsets; i++)
		if (put_str(w.f, src->sets[i].path) || put_str(w.f, src->sets[i].value))
			rc = SIM_EIO;
	if (rc == 0 && put64(w.f, set->npoints))
		rc = SIM_EIO;
	for (size_t p = 0; rc == 0 && p < set->npoints; p++)
		if (put64(w.f, (uint64_t)set->warmup_ns[p]))
			rc = SIM_EIO;
	if (rc) {
		sim_errf(err, SIM_EIO, "%s: write failed: %s", out.tmp, strerror(errno));
	} else {
		struct runner_opts ro = *o;
		ro.shard = index;
		ro.nshards = count;
		ro.sink = sink;
		ro.sink_arg = &w;
		rc = runner_run(set, NULL, &ro, err);
	}
	if (rc == 0 && (put64(w.f, UINT64_MAX) || put64(w.f, w.records)))
		rc = sim_errf(err, SIM_EIO, "%s: write failed: %s", out.tmp, strerror(errno));
	free(w.buf.data);
	if (rc) {
		outfile_abort(&out);
		return rc;
	}
	return outfile_commit(&out, err);
}

/* ---- reading ------------------------------------------------------------- */

struct shard_file {
	char *path;
	FILE *f;
	uint32_t index, count;
	uint64_t items;
	char *version, *file, *text;
	struct sc_override *sets;
	size_t nsets;
	int64_t *warmups;            /* [npoints] */
	uint64_t npoints;
};

struct split_set {
	struct shard_file *files;    /* [count], by shard index */
	uint32_t count;
	struct shard_file *all;      /* as opened */
	size_t nall;
};

static int get(FILE *f, void *p, size_t n)
{
	return fread(p, 1, n, f) == n ? 0 : -1;
}

static int get64(FILE *f, uint64_t *v)
{
	return get(f, v, sizeof *v);
}

static int get_str(FILE *f, char **s)
{
	uint64_t n;
	*s = NULL;
	if (get64(f, &n) || n > SHARD_MAX_STR || !(*s = malloc(n + 1)))
		return -1;
	(*s)[n] = 0;
	return n ? get(f, *s, n) : 0;
}

static void file_free(struct shard_file *sf)
{
	if (sf->f)
		fclose(sf->f);
	for (size_t i = 0; sf->sets && i < sf->nsets; i++) {
		free((char *)sf->sets[i].path);
		free((char *)sf->sets[i].value);
	}
	free(sf->sets);
	free(sf->warmups);
	free(sf->path), free(sf->version), free(sf->file), free(sf->text);
	memset(sf, 0, sizeof *sf);
}

/* read_head opens sf->path and reads its header. */
static int read_head(struct shard_file *sf, struct sim_err *err)
{
	char magic[8];
	uint32_t head[4];
	uint64_t nsets;
	if (!(sf->f = fopen(sf->path, "rb")))
		return sim_errf(err, errno == ENOENT || errno == EACCES ? SIM_EINVAL : SIM_EIO,
				"%s: cannot open: %s", sf->path, strerror(errno));
	if (get(sf->f, magic, 8) || memcmp(magic, SHARD_MAGIC, 8) ||
	    get(sf->f, head, sizeof head))
		return sim_errf(err, SIM_EINVAL, "%s: not a shard file of archsim run --shard",
				sf->path);
	if (head[0] != SHARD_BOM)
		return sim_errf(err, SIM_EINVAL, "%s: written on a machine of another byte order",
				sf->path);
	sf->index = head[1];
	sf->count = head[2];
	if (sf->count < 1 || sf->count > SHARD_MAX || sf->index >= sf->count ||
	    get64(sf->f, &sf->items) || get_str(sf->f, &sf->version) ||
	    get_str(sf->f, &sf->file) || get_str(sf->f, &sf->text) || get64(sf->f, &nsets) ||
	    nsets > 100000)
		return sim_errf(err, SIM_EINVAL, "%s: damaged header", sf->path);
	if (!(sf->sets = calloc(nsets ? nsets : 1, sizeof *sf->sets)))
		return sim_errf(err, SIM_ENOMEM, "out of memory");
	sf->nsets = nsets;
	for (size_t i = 0; i < nsets; i++) {
		char *p, *v;
		int bad = get_str(sf->f, &p);
		sf->sets[i].path = p;
		bad |= get_str(sf->f, &v);
		sf->sets[i].value = v;
		if (bad)
			return sim_errf(err, SIM_EINVAL, "%s: damaged header", sf->path);
	}
	if (get64(sf->f, &sf->npoints) || sf->npoints > sf->items ||
	    !(sf->warmups = malloc((sf->npoints ? sf->npoints : 1) * sizeof *sf->warmups)) ||
	    (sf->npoints && get(sf->f, sf->warmups, sf->npoints * sizeof *sf->warmups)))
		return sim_errf(err, SIM_EINVAL, "%s: damaged header", sf->path);
	return 0;
}

/* differs says how a and b were not run from one source, or NULL. */
static const char *differs(const struct shard_file *a, const struct shard_file *b)
{
	if (a->count != b->count)
		return "another number of shards";
	if (strcmp(a->version, b->version))
		return "another version of archsim";
	if (strcmp(a->text, b->text) || strcmp(a->file, b->file) || a->items != b->items)
		return "another scenario";
	if (a->nsets != b->nsets)
		return "other --set overrides";
	if (a->npoints != b->npoints ||
	    memcmp(a->warmups, b->warmups, a->npoints * sizeof *a->warmups))
		return "other warm-ups";
	for (size_t i = 0; i < a->nsets; i++)
		if (strcmp(a->sets[i].path, b->sets[i].path) ||
		    strcmp(a->sets[i].value, b->sets[i].value))
			return "other --set overrides";
	return NULL;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* add_path appends path, or the shard files in it when it is a
 * directory (in name order), to the list. */
static int add_path(const char *path, char ***list, size_t *n, size_t *cap, struct sim_err *err)
{
	struct stat st;
	if (stat(path, &st))
		return sim_errf(err, SIM_EINVAL, "%s: cannot open: %s", path, strerror(errno));
	size_t first = *n;
	DIR *d = S_ISDIR(st.st_mode) ? opendir(path) : NULL;
	if (S_ISDIR(st.st_mode) && !d)
		return sim_errf(err, SIM_EINVAL, "%s: cannot open: %s", path, strerror(errno));
	struct dirent *e;
	for (;;) {
		const char *name = path;
		char buf[4200];
		if (d) {
			unsigned a, b;
			int end = 0;
			if (!(e = readdir(d)))
				break;
			if (sscanf(e->d_name, "shard-%u-of-%u%n", &a, &b, &end) != 2 ||
			    strcmp(e->d_name + end, ".rec"))
				continue;
			snprintf(buf, sizeof buf, "%s/%s", path, e->d_name);
			name = buf;
		}
		if (*n == *cap) {
			size_t nc = *cap ? 2 * *cap : 16;
			char **l = realloc(*list, nc * sizeof *l);
			if (!l) {
				if (d)
					closedir(d);
				return sim_errf(err, SIM_ENOMEM, "out of memory");
			}
			*list = l;
			*cap = nc;
		}
		if (!((*list)[*n] = strdup(name))) {
			if (d)
				closedir(d);
			return sim_errf(err, SIM_ENOMEM, "out of memory");
		}
		(*n)++;
		if (!d)
			break;
	}
	if (d) {
		closedir(d);
		if (*n == first)
			return sim_errf(err, SIM_EINVAL, "%s: no shard files (shard-I-of-N.rec) in it",
					path);
		qsort(*list + first, *n - first, sizeof **list, cmp_str);
	}
	return 0;
}

void split_close(struct split_set *ss)
{
	if (!ss)
		return;
	for (size_t i = 0; i < ss->nall; i++)
		file_free(&ss->all[i]);
	free(ss->all);
	free(ss->files);
	free(ss);
}

int split_open(char *const *paths, size_t n, const char *version, struct split_set **out,
	       struct sweep_source *src, struct sim_err *err)
{
	char **list = NULL;
	size_t nlist = 0, cap = 0;
	int rc = 0;
	struct split_set *ss = calloc(1, sizeof *ss);
	*out = NULL;
	if (!ss)
		return sim_errf(err, SIM_ENOMEM, "out of memory");
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = add_path(paths[i], &list, &nlist, &cap, err);
	if (rc == 0 && !(ss->all = calloc(nlist ? nlist : 1, sizeof *ss->all)))
		rc = sim_errf(err, SIM_ENOMEM, "out of memory");
	for (size_t i = 0; rc == 0 && i < nlist; i++) {
		struct shard_file *sf = &ss->all[ss->nall++];
		sf->path = list[i];
		list[i] = NULL;
		if ((rc = read_head(sf, err)))
			break;
		const char *why = differs(sf, &ss->all[0]);
		if (why) {
			rc = sim_errf(err, SIM_EINVAL, "%s: %s than %s: the shards do not belong together",
				      sf->path, why, ss->all[0].path);
			break;
		}
	}
	if (rc == 0 && strcmp(ss->all[0].version, version))
		rc = sim_errf(err, SIM_EINVAL,
			      "%s: written by archsim %s, this is %s: merge with the version that ran it",
			      ss->all[0].path, ss->all[0].version, version);
	if (rc == 0) {
		ss->count = ss->all[0].count;
		if (!(ss->files = calloc(ss->count, sizeof *ss->files)))
			rc = sim_errf(err, SIM_ENOMEM, "out of memory");
	}
	for (size_t i = 0; rc == 0 && i < ss->nall; i++) {
		struct shard_file *sf = &ss->all[i];
		if (ss->files[sf->index].path) {
			rc = sim_errf(err, SIM_EINVAL, "%s and %s: both are shard %u of %u",
				      ss->files[sf->index].path, sf->path, sf->index + 1, sf->count);
			break;
		}
		ss->files[sf->index] = *sf;
	}
	for (uint32_t i = 0; rc == 0 && i < ss->count; i++)
		if (!ss->files[i].path)
			rc = sim_errf(err, SIM_EINVAL, "shard %u of %u (shard-%u-of-%u.rec) is missing",
				      i + 1, ss->count, i + 1, ss->count);
	for (size_t i = 0; i < nlist; i++)
		free(list[i]);
	free(list);
	if (rc) {
		split_close(ss);
		return rc;
	}
	/* the array by index shares the opened files' fields: only `all`
	 * owns them */
	src->file = ss->all[0].file;
	src->text = ss->all[0].text;
	src->sets = ss->all[0].sets;
	src->nsets = ss->all[0].nsets;
	*out = ss;
	return 0;
}

int split_warmups(const struct split_set *ss, struct sweep *set, struct sim_err *err)
{
	const struct shard_file *sf = &ss->files[0];
	if (sf->npoints != set->npoints)
		return sim_errf(err, SIM_EINVAL, "%s: %llu points, the scenario has %zu",
				sf->path, (unsigned long long)sf->npoints, set->npoints);
	for (size_t p = 0; p < set->npoints; p++)
		sweep_set_warmup(set, p, sf->warmups[p]);
	return 0;
}

int split_merge(struct split_set *ss, const struct sweep *set, struct report *r,
		volatile sig_atomic_t *stop, struct sim_err *err)
{
	uint64_t total = runner_items(set);
	struct rep_result res = { 0 };
	size_t cur = SIZE_MAX;
	unsigned char *buf = NULL;
	size_t cap = 0;
	int rc = 0;
	unsigned char *closed = calloc(set->npoints ? set->npoints : 1, 1);
	if (!closed)
		return sim_errf(err, SIM_ENOMEM, "out of memory");
	if (total != ss->files[0].items) {
		free(closed);
		return sim_errf(err, SIM_EINVAL, "%s: %llu work items, the scenario has %llu",
				ss->files[0].path, (unsigned long long)ss->files[0].items,
				(unsigned long long)total);
	}
	for (uint64_t item = 0; item < total && rc == 0; item++) {
		struct shard_file *sf = &ss->files[item % ss->count];
		uint64_t at, len;
		size_t p;
		uint32_t k;
		if (stop && *stop) {
			rc = SIM_EINTR;
			break;
		}
		if (get64(sf->f, &at) || at != item || get64(sf->f, &len) || len > (1ull << 40)) {
			rc = sim_errf(err, SIM_EINVAL, "%s: cut short or damaged at work item %llu",
				      sf->path, (unsigned long long)item);
			break;
		}
		if (len > cap) {
			unsigned char *nb = realloc(buf, len);
			if (!nb) {
				rc = sim_errf(err, SIM_ENOMEM, "out of memory");
				break;
			}
			buf = nb;
			cap = len;
		}
		if (get(sf->f, buf, len)) {
			rc = sim_errf(err, SIM_EINVAL, "%s: cut short at work item %llu",
				      sf->path, (unsigned long long)item);
			break;
		}
		runner_item_at(set, item, &p, &k);
		if (closed[p])
			continue;            /* its precision was met before */
		if (!runner_point_result(set, p, &res, &cur, err)) {
			rc = err->code;
			break;
		}
		int urc = repio_unpack(&res, buf, len);
		uint64_t ours, fmt = urc == SIM_EINVAL ? repio_format(buf, len, &ours) : 0;
		if (urc && fmt && fmt != ours) {
			rc = sim_errf(err, SIM_EINVAL,
				      "%s: written by another version of archsim (records of format %llu; this one reads %llu): merge its shards with the archsim that ran them",
				      sf->path, (unsigned long long)fmt, (unsigned long long)ours);
			break;
		}
		if (urc) {
			rc = urc == SIM_ENOMEM ? sim_errf(err, SIM_ENOMEM, "out of memory") :
				sim_errf(err, SIM_EINVAL, "%s: work item %llu is damaged",
					 sf->path, (unsigned long long)item);
			break;
		}
		int frc = runner_fold(set, r, closed, item, &res, NULL);
		if (frc)
			rc = report_error(r, frc, err);
	}
	/* each file must end where its last record does, with its trailer */
	for (uint32_t i = 0; rc == 0 && i < ss->count; i++) {
		struct shard_file *sf = &ss->files[i];
		uint64_t mark, nrec, want = total > i ? (total - i + ss->count - 1) / ss->count : 0;
		char extra;
		if (get64(sf->f, &mark) || mark != UINT64_MAX || get64(sf->f, &nrec) ||
		    nrec != want || fread(&extra, 1, 1, sf->f) != 0)
			rc = sim_errf(err, SIM_EINVAL, "%s: cut short or damaged at its end", sf->path);
	}
	free(buf);
	free(closed);
	rep_result_fini(&res);
	return rc;
}
