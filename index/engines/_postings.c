/* The archive engine's inner loops over postings (index/archive.py), compiled.
 *
 * numpy needs several passes over each posting list (gather, multiply, scatter-add, then a
 * partition over every touched passage) and a question at a million passages reads about 300,000
 * postings: that was 20 ms a question. These loops read each posting once. They only pick the
 * candidates: archive.py rescores the few passages picked exactly as the small engine does, so
 * the floats a user sees do not depend on the order in which this file adds them up.
 *
 * Arrays come in through the buffer protocol (numpy arrays, memory-mapped or not); archive.py
 * checks their dtypes once at load, and every index read here is bounds-checked, so a damaged
 * index raises ValueError instead of reading outside an array.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    Py_buffer scores;  /* float64, one per entry (passage or document); all 0.0 between questions */
    Py_buffer touched; /* int32, the entries scored so far, each once */
} Accumulator;

static int
check_len(Py_buffer *b, Py_ssize_t itemsize, const char *what)
{
    if (b->len % itemsize != 0) {
        PyErr_Format(PyExc_ValueError, "%s: %zd bytes is not a whole number of items", what, b->len);
        return -1;
    }
    return 0;
}

/* Adds one entry's share; remembers the entry the first time it is scored. Every share is > 0
 * (idf > 0, tf factor > 0, query weight > 0), so 0.0 means "not touched yet". */
static inline void
add(double *scores, int32_t *touched, Py_ssize_t *count, int32_t row, double share)
{
    /* Branch-free: whether an entry is new is unpredictable, and a mispredicted branch per
     * posting cost more than the store. */
    double old = scores[row];
    touched[*count] = row;
    *count += (old == 0.0);
    scores[row] = old + share;
}

/* accumulate(scores, touched, count, rows, factors, multiplier) -> count
 * scores[rows[i]] += multiplier * factors[i]; rows: int32, factors: float64. */
static PyObject *
accumulate(PyObject *self, PyObject *args)
{
    Py_buffer sb, tb, rb, fb;
    Py_ssize_t count;
    double mult;
    PyObject *result = NULL;
    if (!PyArg_ParseTuple(args, "w*w*ny*y*d", &sb, &tb, &count, &rb, &fb, &mult))
        return NULL;
    if (check_len(&sb, 8, "scores") || check_len(&tb, 4, "touched") || check_len(&rb, 4, "rows") ||
        check_len(&fb, 8, "factors"))
        goto done;
    Py_ssize_t n = sb.len / 8, cap = tb.len / 4, len = rb.len / 4;
    if (fb.len / 8 != len || cap <= n || count < 0 || count > n) {
        PyErr_SetString(PyExc_ValueError, "accumulate: array sizes do not match");
        goto done;
    }
    double *scores = sb.buf;
    int32_t *touched = tb.buf;
    const int32_t *rows = rb.buf;
    const double *factors = fb.buf;
    for (Py_ssize_t i = 0; i < len; i++) {
        int32_t r = rows[i];
        if (r < 0 || r >= n) {
            PyErr_Format(PyExc_ValueError, "posting names entry %d of %zd", r, n);
            goto done;
        }
        add(scores, touched, &count, r, mult * factors[i]);
    }
    result = PyLong_FromSsize_t(count);
done:
    PyBuffer_Release(&sb);
    PyBuffer_Release(&tb);
    PyBuffer_Release(&rb);
    PyBuffer_Release(&fb);
    return result;
}

/* A min-heap of the k best values seen: heap[0] is the k-th best once k values are in. */
static void
heap_push(double *heap, Py_ssize_t *size, Py_ssize_t k, double v)
{
    Py_ssize_t i;
    if (*size < k) {
        i = (*size)++;
        while (i > 0 && heap[(i - 1) / 2] > v) {
            heap[i] = heap[(i - 1) / 2];
            i = (i - 1) / 2;
        }
        heap[i] = v;
        return;
    }
    if (v <= heap[0])
        return;
    i = 0;
    for (;;) {
        Py_ssize_t c = 2 * i + 1;
        if (c >= k)
            break;
        if (c + 1 < k && heap[c + 1] < heap[c])
            c++;
        if (heap[c] >= v)
            break;
        heap[i] = heap[c];
        i = c;
    }
    heap[i] = v;
}

/* One question term's postings in one field: ids (int32, sorted), tf factors (float64), and the
 * multiplier (query weight x field weight x idf); `at` walks the list block by block. */
typedef struct {
    Py_buffer ids, factors;
    double mult;
    const int32_t *id;
    const double *factor;
    Py_ssize_t at, len;
} List;

static void
release_lists(List *lists, Py_ssize_t count)
{
    for (Py_ssize_t i = 0; i < count; i++) {
        PyBuffer_Release(&lists[i].ids);
        PyBuffer_Release(&lists[i].factors);
    }
    PyMem_Free(lists);
}

/* A Python sequence of (ids, factors, multiplier) -> Lists (NULL with an exception set). */
static List *
get_lists(PyObject *seq, Py_ssize_t *count)
{
    PyObject *fast = PySequence_Fast(seq, "expected a sequence of (ids, factors, multiplier)");
    if (fast == NULL)
        return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(fast);
    List *lists = PyMem_Calloc(n ? n : 1, sizeof(List));
    Py_ssize_t got = 0;
    if (lists == NULL) {
        PyErr_NoMemory();
        goto fail;
    }
    for (; got < n; got++) {
        List *l = &lists[got];
        if (!PyArg_ParseTuple(PySequence_Fast_GET_ITEM(fast, got), "y*y*d", &l->ids, &l->factors, &l->mult))
            goto fail;
        if (l->ids.len % 4 || l->factors.len % 8 || l->ids.len / 4 != l->factors.len / 8) {
            got++;
            PyErr_SetString(PyExc_ValueError, "a posting list's ids and factors differ in length");
            goto fail;
        }
        l->id = l->ids.buf;
        l->factor = l->factors.buf;
        l->len = l->ids.len / 4;
        l->at = 0;
    }
    Py_DECREF(fast);
    *count = n;
    return lists;
fail:
    if (lists != NULL)
        release_lists(lists, got);
    Py_DECREF(fast);
    return NULL;
}

/* best(block, touched, text, headings, group_start, doc_scores, doc_of, doc_weight, limit, slack,
 *      out, out_values) -> m
 *
 * The passages that may be among the best `limit`. Passages are scored a block at a time (the
 * block buffer stays in the CPU's cache: scattering into one buffer of all passages missed it on
 * almost every posting); every posting list is sorted, so each list is walked once, block by
 * block. A passage's value is its text and heading scores plus doc_weight x its document's score
 * (doc_scores, already added up). Kept: every passage within `slack` of the limit-th best value,
 * written to out (int32, ascending) and out_values (float64); returns how many. */
static PyObject *
best(PyObject *self, PyObject *args)
{
    Py_buffer blockb, touchedb, startb, docb, ofb, outb, valb;
    PyObject *text_seq, *heading_seq, *result = NULL;
    double doc_weight, slack;
    Py_ssize_t limit, n_text = 0, n_heading = 0;
    List *text = NULL, *heading = NULL;
    double *heap = NULL;
    if (!PyArg_ParseTuple(args, "w*w*OOy*y*y*dndw*w*", &blockb, &touchedb, &text_seq, &heading_seq, &startb,
                          &docb, &ofb, &doc_weight, &limit, &slack, &outb, &valb))
        return NULL;
    if (check_len(&blockb, 8, "block") || check_len(&touchedb, 4, "touched") || check_len(&startb, 8, "group_start") ||
        check_len(&docb, 8, "doc_scores") || check_len(&ofb, 4, "doc_of") || check_len(&outb, 4, "out") ||
        check_len(&valb, 8, "out_values"))
        goto done;
    Py_ssize_t size = blockb.len / 8, n = ofb.len / 4, groups = startb.len / 8 - 1, docs = docb.len / 8;
    const int64_t *start = startb.buf;
    const int32_t *doc_of = ofb.buf;
    const double *doc_scores = docb.buf;
    double *restrict block = blockb.buf, *values = valb.buf;
    int32_t *restrict touched = touchedb.buf, *out = outb.buf;
    if (size < 1 || touchedb.len / 4 <= size || outb.len / 4 < n || valb.len / 8 < n || limit < 1 || groups < 0) {
        PyErr_SetString(PyExc_ValueError, "best: array sizes do not match");
        goto done;
    }
    /* Every id read below is checked before it is used (a damaged index must raise, never read
     * outside an array); the checks are branches that always go the same way. */
    if ((text = get_lists(text_seq, &n_text)) == NULL || (heading = get_lists(heading_seq, &n_heading)) == NULL)
        goto done;
    if ((heap = PyMem_Malloc(sizeof(double) * limit)) == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    Py_ssize_t in_heap = 0, m = 0;
    for (Py_ssize_t lo = 0; lo < n; lo += size) {
        Py_ssize_t hi = lo + size < n ? lo + size : n, count = 0;
        for (Py_ssize_t t = 0; t < n_text; t++) {
            /* Locals the compiler can keep in registers: stores into block[] cannot change them. */
            List *l = &text[t];
            const int32_t *restrict id = l->id;
            const double *restrict factor = l->factor;
            const double mult = l->mult;
            Py_ssize_t i = l->at, len = l->len;
            for (; i < len && id[i] < hi; i++) {
                Py_ssize_t r = id[i] - lo;
                if (r < 0)
                    goto unsorted; /* below the block: unsorted or negative */
                double old = block[r];
                touched[count] = (int32_t)r;
                count += (old == 0.0);
                block[r] = old + mult * factor[i];
            }
            l->at = i;
        }
        for (Py_ssize_t t = 0; t < n_heading; t++) {
            List *l = &heading[t];
            Py_ssize_t i = l->at;
            for (; i < l->len; i++) {
                int32_t g = l->id[i];
                if (g < 0 || g >= groups)
                    goto unsorted;
                /* Group starts are read out of order: ask for the next ones early. */
                if (i + 8 < l->len && l->id[i + 8] >= 0 && l->id[i + 8] < groups)
                    __builtin_prefetch(&start[l->id[i + 8]]);
                int64_t a = start[g], b = start[g + 1];
                if (a >= hi)
                    break;
                if (a < 0 || b > n)
                    goto unsorted;
                double share = l->mult * l->factor[i];
                for (int64_t p = a > lo ? a : lo; p < (b < hi ? b : hi); p++) {
                    double old = block[p - lo];
                    touched[count] = (int32_t)(p - lo);
                    count += (old == 0.0);
                    block[p - lo] = old + share;
                }
                if (b > hi)
                    break; /* the group goes on in the next block */
            }
            l->at = i;
        }
        /* The richest document of the block: a passage whose own score plus that stays below
         * the limit-th best cannot make it, and its document need not be looked up (most
         * passages, once `limit` good ones are known: the lookups missed the cache). */
        int32_t d0 = doc_of[lo], d1 = doc_of[hi - 1];
        if (d0 < 0 || d1 >= docs || d0 > d1)
            goto unsorted;
        double rich = 0.0;
        for (int32_t d = d0; d <= d1; d++)
            rich = doc_scores[d] > rich ? doc_scores[d] : rich;
        rich *= doc_weight;
        /* The running limit-th best only grows: what falls below it now never comes back. */
        for (Py_ssize_t j = 0; j < count; j++) {
            int32_t r = touched[j];
            double own = block[r];
            block[r] = 0.0;
            if (in_heap == limit && (own + rich) * (1.0 + slack) < heap[0] * (1.0 - slack))
                continue;
            Py_ssize_t p = lo + r;
            int32_t d = doc_of[p];
            if (d < d0 || d > d1)
                goto unsorted;
            double v = own + doc_weight * doc_scores[d];
            heap_push(heap, &in_heap, limit, v);
            if (in_heap < limit || v >= heap[0] * (1.0 - slack)) {
                out[m] = (int32_t)p;
                values[m++] = v;
            }
        }
    }
    double threshold = in_heap < limit ? 0.0 : heap[0] * (1.0 - slack);
    Py_ssize_t kept = 0;
    for (Py_ssize_t j = 0; j < m; j++)
        if (values[j] >= threshold) {
            out[kept] = out[j];
            values[kept++] = values[j];
        }
    result = PyLong_FromSsize_t(kept);
    goto done;
unsorted:
    PyErr_SetString(PyExc_ValueError, "a posting list is not sorted or names an entry out of range");
done:
    PyMem_Free(heap);
    if (text != NULL)
        release_lists(text, n_text);
    if (heading != NULL)
        release_lists(heading, n_heading);
    PyBuffer_Release(&blockb);
    PyBuffer_Release(&touchedb);
    PyBuffer_Release(&startb);
    PyBuffer_Release(&docb);
    PyBuffer_Release(&ofb);
    PyBuffer_Release(&outb);
    PyBuffer_Release(&valb);
    return result;
}

/* clear(scores, touched, count): scores[touched[i]] = 0.0 (after an error, or for documents). */
static PyObject *
clear(PyObject *self, PyObject *args)
{
    Py_buffer sb, tb;
    Py_ssize_t count;
    PyObject *result = NULL;
    if (!PyArg_ParseTuple(args, "w*y*n", &sb, &tb, &count))
        return NULL;
    if (check_len(&sb, 8, "scores") || check_len(&tb, 4, "touched"))
        goto done;
    Py_ssize_t n = sb.len / 8;
    if (count < 0 || count > tb.len / 4) {
        PyErr_SetString(PyExc_ValueError, "clear: array sizes do not match");
        goto done;
    }
    double *scores = sb.buf;
    const int32_t *touched = tb.buf;
    for (Py_ssize_t i = 0; i < count; i++)
        if (touched[i] >= 0 && touched[i] < n)
            scores[touched[i]] = 0.0;
    Py_INCREF(Py_None);
    result = Py_None;
done:
    PyBuffer_Release(&sb);
    PyBuffer_Release(&tb);
    return result;
}

/* The factor of `key` in a sorted list (0.0 when absent). */
static double
factor_of(const int32_t *ids, const double *factors, Py_ssize_t len, int32_t key)
{
    Py_ssize_t a = 0, b = len;
    while (a < b) {
        Py_ssize_t mid = a + (b - a) / 2;
        if (ids[mid] < key)
            a = mid + 1;
        else
            b = mid;
    }
    return (a < len && ids[a] == key) ? factors[a] : 0.0;
}

/* exact(rows, groups, docs, terms, doc_weight, out) -> None
 * The small engine's score of each passage rows[j] (its heading group groups[j], its document
 * docs[j]), with its operations in its order, so the doubles are the same: for each term in
 * question order, text += w * (idf * f), heading part likewise, documents += w * (idf * f); then
 * score + doc_weight * documents where score > 0. terms: a sequence of (text ids, factors, idf, w,
 * heading ids, factors, idf, w, document ids, factors, idf, w). Built with -ffp-contract=off
 * (pyproject.toml): a fused multiply-add would round differently. */
static PyObject *
exact(PyObject *self, PyObject *args)
{
    Py_buffer rb, gb, db, ob;
    PyObject *seq, *fast = NULL, *result = NULL;
    double doc_weight;
    Py_buffer (*bufs)[6] = NULL;
    double (*nums)[6] = NULL;
    Py_ssize_t n_terms = 0, got = 0;
    if (!PyArg_ParseTuple(args, "y*y*y*Odw*", &rb, &gb, &db, &seq, &doc_weight, &ob))
        return NULL;
    if (check_len(&rb, 4, "rows") || check_len(&gb, 4, "groups") || check_len(&db, 4, "docs") ||
        check_len(&ob, 8, "out"))
        goto done;
    Py_ssize_t count = rb.len / 4;
    if (gb.len / 4 != count || db.len / 4 != count || ob.len / 8 != count) {
        PyErr_SetString(PyExc_ValueError, "exact: array sizes do not match");
        goto done;
    }
    if ((fast = PySequence_Fast(seq, "exact: terms must be a sequence")) == NULL)
        goto done;
    n_terms = PySequence_Fast_GET_SIZE(fast);
    bufs = PyMem_Calloc(n_terms ? n_terms : 1, sizeof(*bufs));
    nums = PyMem_Calloc(n_terms ? n_terms : 1, sizeof(*nums));
    if (bufs == NULL || nums == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (; got < n_terms; got++) {
        Py_buffer *b = bufs[got];
        double *x = nums[got];
        if (!PyArg_ParseTuple(PySequence_Fast_GET_ITEM(fast, got), "y*y*ddy*y*ddy*y*dd", &b[0], &b[1], &x[0], &x[1],
                              &b[2], &b[3], &x[2], &x[3], &b[4], &b[5], &x[4], &x[5]))
            goto done;
        for (int f = 0; f < 3; f++)
            if (b[2 * f].len % 4 || b[2 * f + 1].len % 8 || b[2 * f].len / 4 != b[2 * f + 1].len / 8) {
                got++;
                PyErr_SetString(PyExc_ValueError, "exact: a posting list's ids and factors differ in length");
                goto done;
            }
    }
    const int32_t *rows = rb.buf, *groups = gb.buf, *docs = db.buf;
    double *out = ob.buf;
    for (Py_ssize_t j = 0; j < count; j++) {
        double score = 0.0, documents = 0.0;
        const int32_t keys[3] = {rows[j], groups[j], docs[j]};
        for (Py_ssize_t t = 0; t < n_terms; t++) {
            Py_buffer *b = bufs[t];
            double *x = nums[t];
            double f[3];
            for (int k = 0; k < 3; k++)
                f[k] = factor_of(b[2 * k].buf, b[2 * k + 1].buf, b[2 * k].len / 4, keys[k]);
            score = score + x[1] * (x[0] * f[0]);
            score = score + x[3] * (x[2] * f[1]);
            documents = documents + x[5] * (x[4] * f[2]);
        }
        out[j] = score + (score > 0 ? doc_weight * documents : 0.0);
    }
    Py_INCREF(Py_None);
    result = Py_None;
done:
    if (bufs != NULL) {
        for (Py_ssize_t t = 0; t < got; t++)
            for (int k = 0; k < 6; k++)
                PyBuffer_Release(&bufs[t][k]);
        PyMem_Free(bufs);
    }
    PyMem_Free(nums);
    Py_XDECREF(fast);
    PyBuffer_Release(&rb);
    PyBuffer_Release(&gb);
    PyBuffer_Release(&db);
    PyBuffer_Release(&ob);
    return result;
}

static PyMethodDef methods[] = {
    {"accumulate", accumulate, METH_VARARGS, "scores[rows[i]] += multiplier * factors[i]; returns the touched count."},
    {"best", best, METH_VARARGS, "The passages within slack of the limit-th best, scored a block at a time."},
    {"exact", exact, METH_VARARGS, "The small engine's exact scores of a few passages."},
    {"clear", clear, METH_VARARGS, "Zero the touched entries of a score buffer."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "index._postings", "Compiled inner loops of the archive engine.", -1, methods,
};

PyMODINIT_FUNC
PyInit__postings(void)
{
    return PyModule_Create(&module);
}
