/*
 * mockmax: a mock Max host, so bandmate's Max externals can be tested on Linux.
 *
 * It loads an external (a .so named like the object) the way Max loads an .mxo, exports the
 * part of the Max and MSP C API bandmate uses, and runs a script of messages against it in
 * logical time. Every entry point checks what real Max would punish (often with a crash, a
 * hang or a silent glitch rather than an error): a violation prints `FATAL: <what>` on stdout
 * and exits 3. See README.md beside this file for the script language and the list of checks.
 *
 * The declarations below are our own, written from the documented API; the structure layouts
 * match 64-bit Max because externals read and write them directly. Nothing is copied from the
 * Cycling '74 SDK.
 *
 * The host runs the script on one thread and keeps the *context* Max would be in: MAIN (script
 * messages, qelems, defer_low), SCHEDULER (clocks, `sendsched`), AUDIO (perform routines), and
 * answers systhread_ismainthread() and friends from it. The `stress` command runs real MAIN,
 * SCHEDULER and AUDIO threads at once for a while; the host's own state is then protected by
 * one mutex (held by a Max thread whenever it runs host code, released while it is inside the
 * external), and the context is thread-local, so the host itself is never the race.
 *
 * Build: cc -std=c11 -O1 -g -Wall -Wextra -Werror -rdynamic mockmax.c -o mockmax -ldl -lm
 */
#define _XOPEN_SOURCE 700

#include <dirent.h>
#include <dlfcn.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

/* ------------------------------------------------------------------------------------------ */
/* Max's types (64-bit layouts)                                                                */

typedef intptr_t t_atom_long;
typedef double t_atom_float;
typedef t_atom_long t_max_err;
typedef void *(*method)(void *, ...);
typedef struct symbol { char *s_name; struct object *s_thing; } t_symbol;
typedef struct object { void *o_messlist; intptr_t o_magic; void *o_inlet; void *o_outlet; } t_object;
union word { t_atom_long w_long; t_atom_float w_float; t_symbol *w_sym; t_object *w_obj; };
typedef struct atom { short a_type; union word a_w; } t_atom;
enum { A_NOTHING = 0, A_LONG, A_FLOAT, A_SYM, A_OBJ, A_DEFLONG, A_DEFFLOAT, A_DEFSYM, A_GIMME,
       A_CANT, A_SEMI, A_COMMA, A_DOLLAR, A_DOLLSYM, A_GIMMEBACK };
typedef struct t_pxobject {
    t_object z_ob; long z_in; void *z_proxy; long z_disabled; short z_count; short z_misc;
} t_pxobject;
typedef void (*t_perfroutine64)(t_object *x, t_object *dsp64, double **ins, long numins,
                                double **outs, long numouts, long sampleframes, long flags,
                                void *userparam);

#define MAGIC 1758379419L           /* o_magic of every live Max object */
#define MAX_PATH_CHARS 2048
#define ATTR_SET_OPAQUE 0x2
#define ATTR_SET_OPAQUE_USER 0x200
#define ASSIST_LEN 500               /* Max's assist strings hold 500 bytes, the NUL included */

/* The exact types the host calls external functions through (never through `method`'s `...`,
 * which is not the same calling convention as a fixed list). The cast through void (*)(void)
 * is the C idiom for "I know the real type". */
typedef void (*fn_x)(void *);
typedef void (*fn_xl)(void *, t_atom_long);
typedef void (*fn_xd)(void *, double);
typedef void (*fn_xs)(void *, t_symbol *);
typedef void (*fn_gimme)(void *, t_symbol *, long, t_atom *);
typedef void *(*fn_new_gimme)(t_symbol *, long, t_atom *);
typedef void *(*fn_new_void)(void);
typedef void (*fn_assist)(void *, void *, long, long, char *);
typedef t_max_err (*fn_notify)(void *, t_symbol *, t_symbol *, void *, void *);
typedef void (*fn_dsp64)(void *, t_object *, short *, double, long, long);
typedef t_max_err (*fn_attr_set)(void *, void *, long, t_atom *);
typedef t_max_err (*fn_attr_get)(void *, void *, long *, t_atom **);
typedef void (*fn_ext_main)(void *);
#define AS(T, f) ((T)(void (*)(void))(f))

/* ------------------------------------------------------------------------------------------ */
/* Host records                                                                                */

enum kind { K_NONE, K_SYM, K_CLASS, K_ATTR, K_OBJ, K_OUTLET, K_CLOCK, K_QELEM, K_BUFFER,
            K_BUFREF, K_ITM, K_DICT, K_ATOMARRAY };
enum ctx { MAIN, SCHEDULER, AUDIO };
static const char *const CTX_NAME[] = {"the main thread", "the scheduler thread", "the audio thread"};

typedef struct mmethod { t_symbol *name; method fn; short type; int ntypes; } mmethod;

/* What attr_offset_new returns: an object (Max's attributes are objects too). */
typedef struct mattr {
    t_object ob; t_symbol *name, *type; long flags; method get, set; long offset;
    int save;                           /* the "save" attr-attr (CLASS_ATTR_SAVE): kept in the patcher */
} mattr;

typedef struct mclass {
    t_symbol *name; method mnew, mfree; long size; short newtype;
    mmethod *methods; size_t nmethods, capmethods;
    mattr **attrs; size_t nattrs, capattrs;
    int registered, dsp;
} mclass;

typedef struct moutlet { struct mobj *owner; int is_signal; struct moutlet *next; } moutlet;

typedef struct mobj {
    t_object *x; mclass *c; char *id; int alive;
    moutlet *outlets;                   /* leftmost first */
    int dsp_setup, dsp_freed; long nsig_in;
    int nsig_out; double **ins, **outs; /* signal vectors while DSP runs */
    int recording; float *rec; size_t nrec, caprec;
    float *play[8]; size_t nplay[8], pplay[8];   /* `play`: what each signal inlet hears */
    t_symbol *obex_key[8]; t_object *obex_val[8]; int nobex;   /* object_obex_store */
} mobj;

typedef struct mclock {              /* clocks are objects in Max (freed with object_free) */
    t_object ob; void *obj; method fn; mobj *owner; int alive, armed; double when;
    unsigned long seq;
} mclock;

typedef struct mqelem { void *obj; method fn; mobj *owner; int alive, pending; } mqelem;

typedef struct mbuffer {
    t_object ob; t_symbol *name; long chans, frames; double sr; float *samples;
    int alive, locks, dirty, mod_pending;
} mbuffer;

typedef struct mbufref { t_object ob; mobj *owner; t_symbol *name; int alive; long notified; } mbufref;

/* One entry of the main thread's low-priority queue: a qelem, a defer_low, or a buffer~'s
 * "buffer_modified" notification. */
typedef struct qitem {
    struct qitem *next; mqelem *q; mbuffer *buf;
    void *ob; mobj *obrec; method fn; t_symbol *sym; long argc; t_atom *argv;
} qitem;

typedef struct mperf { mobj *o; t_object *x; t_perfroutine64 fn; long flags; void *up; } mperf;

/* A callback the host is inside of: which object, which class, which method; whether the
 * thread held the host's mutex when it called in (given back on the way out). */
struct frame { mobj *o; mclass *c; const char *what; int held; };

#define PUSH(a, n, cap, v) do { if ((n) == (cap)) { (cap) = (cap) ? 2 * (cap) : 16; \
        (a) = xrealloc((a), (cap) * sizeof *(a)); } (a)[(n)++] = (v); } while (0)

/* The host's state: one mutex, held by a Max thread (the script's MAIN, and the stress
 * threads) whenever it runs host code; enter() gives it up while the external runs, and every
 * exported function takes it (HOST) if its thread does not hold it already. */
static pthread_mutex_t g_mx = PTHREAD_MUTEX_INITIALIZER;
static _Thread_local int t_held;      /* this thread holds g_mx */
static _Thread_local int t_max_thread; /* one of Max's threads (not one the external started) */
static int host_acquire(void) {
    if (t_held) return 0;
    pthread_mutex_lock(&g_mx);
    t_held = 1;
    return 1;
}
static void host_release(int *acquired) {
    if (*acquired) { t_held = 0; pthread_mutex_unlock(&g_mx); }
}
#define HOST int host_guard_ __attribute__((cleanup(host_release), unused)) = host_acquire()

static _Thread_local enum ctx g_ctx = MAIN;
static double g_now;                  /* logical time, ms */
static void sync_now(void);
static int g_expect_fatal;
static _Thread_local struct frame g_stack[64];
static _Thread_local int g_depth;
static unsigned long g_seq;

static mclass **g_classes; static size_t g_nclasses, g_capclasses;
static mobj **g_objs; static size_t g_nobjs, g_capobjs;
static mclock **g_clocks; static size_t g_nclocks, g_capclocks;
static mqelem **g_qelems; static size_t g_nqelems, g_capqelems;
static mbuffer **g_bufs; static size_t g_nbufs, g_capbufs;
static mbufref **g_refs; static size_t g_nrefs, g_caprefs;
static qitem *g_qhead, *g_qtail;
static mperf *g_perfs; static size_t g_nperfs, g_capperfs;
/* The chain a `stress` DSP rebuild is making while the audio thread still runs the old one. */
static int g_rebuilding; static mperf *g_build; static size_t g_nbuild, g_capbuild;
static char **g_loaded; static size_t g_nloaded, g_caploaded;
static char **g_paths; static size_t g_npaths, g_cappaths;
/* Max's search path (-search): every folder of each package given, path ids SEARCH_PATH0 + i */
static char **g_search; static size_t g_nsearch, g_capsearch;
static char *g_patcher;
static const char *g_new_id;          /* the script ID of the object `new` is making */

static int g_dsp_on; static double g_sr = 48000; static long g_vs = 64;
static double g_dsp_t0; static long long g_dsp_k;
static _Thread_local mobj *g_in_dsp64; static t_object g_chain;  /* the dsp64 object dsp64 methods get */

static struct { t_object ob; double tempo; int running; double ticks0, t0; long num, den; } g_itm =
    {{0}, 120.0, 0, 0.0, 0.0, 4, 4};

static t_symbol *S_int, *S_float, *S_list, *S_bang, *S_anything, *S_box, *S_long, *S_atom_long, *S_float64,
    *S_float32, *S_symbol, *S_char, *S_atom, *S_empty, *S_sizeinsamps, *S_notify, *S_assist,
    *S_dsp64, *S_binding, *S_unbinding, *S_modified, *S_dumpout, *S_getattr;

/* ------------------------------------------------------------------------------------------ */
/* Output, FATAL, helpers                                                                      */

static _Noreturn void oom(void) { fputs("mockmax: out of memory\n", stderr); _exit(2); }
static void *xcalloc(size_t n, size_t size) { void *p = calloc(n ? n : 1, size ? size : 1); if (!p) oom(); return p; }
static void *xrealloc(void *p, size_t size) { p = realloc(p, size ? size : 1); if (!p) oom(); return p; }
static char *xstrdup(const char *s) { char *d = strdup(s); if (!d) oom(); return d; }

static char *vformat(const char *fmt, va_list ap) {
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    char *s = xcalloc((size_t)(n < 0 ? 0 : n) + 1, 1);
    if (n > 0) vsnprintf(s, (size_t)n + 1, fmt, ap);
    for (char *p = s; *p; p++)       /* one line per event */
        if (*p == '\n' || *p == '\r') *p = ' ';
    return s;
}

/* A violation of what Max allows: the run ends (exit 3), or with `expect_fatal` succeeds. */
static _Noreturn void fatal(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *msg = vformat(fmt, ap);
    va_end(ap);
    fflush(stdout);
    if (g_expect_fatal) {
        printf("@%.6f fatal-as-expected %s\n", g_now, msg);
        fflush(stdout);
        _exit(0);
    }
    printf("FATAL: %s\n", msg);
    fflush(stdout);
    _exit(3);
}

/* A mistake in the script (not in the external): exit 2. */
static int g_line;
static _Noreturn void script_error(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *msg = vformat(fmt, ap);
    va_end(ap);
    fflush(stdout);
    fprintf(stderr, "mockmax: script line %d: %s\n", g_line, msg);
    _exit(2);
}

static void console(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *msg = vformat(fmt, ap);
    va_end(ap);
    printf("@%.6f console %s\n", g_now, msg);
    free(msg);
}

static const char *frame_desc(int i) {
    static char buf[600];
    const struct frame *f = &g_stack[i];
    snprintf(buf, sizeof buf, "%s.%s", f->c ? f->c->name->s_name : "?", f->what);
    return buf;
}
static const char *where(void) { return g_depth ? frame_desc(g_depth - 1) : "the host"; }

/* Every entry point: only Max's threads call in. Real Max lets a few functions (gensym,
 * post, qelem_set, defer_low) be called from threads an external starts; the mock refuses
 * them all so that a run stays deterministic. */
#define API(name) do { if (!t_max_thread) \
    fatal("%s called from a thread the external started (the mock accepts calls only on Max's threads)", name); } while (0)

/* Max forbids posting and sending messages from the audio thread (perform routines). */
static void not_in_audio(const char *fn) {
    if (g_ctx == AUDIO) fatal("%s in the audio thread (%s): perform routines must not post or send messages", fn, where());
}

/* ------------------------------------------------------------------------------------------ */
/* Pointer registry: every pointer the host handed out, with its kind. Host records and object
 * memory are never reused, so a stale pointer is always recognised as stale.                  */

struct slot { const void *key; enum kind kind; void *rec; };
static struct slot *g_reg; static size_t g_regcap, g_regn;

static size_t hash_ptr(const void *p, size_t cap) {
    uint64_t x = (uint64_t)(uintptr_t)p;
    x ^= x >> 33; x *= 0xff51afd7ed558ccdULL; x ^= x >> 33;
    return (size_t)(x & (cap - 1));
}
static struct slot *reg_slot(const void *key) {
    if (!g_regcap) return NULL;
    for (size_t i = hash_ptr(key, g_regcap);; i = (i + 1) & (g_regcap - 1)) {
        if (g_reg[i].key == key) return &g_reg[i];
        if (!g_reg[i].key) return NULL;
    }
}
static void reg_put(const void *key, enum kind kind, void *rec) {
    if (2 * (g_regn + 1) > g_regcap) {
        struct slot *old = g_reg; size_t oldcap = g_regcap;
        g_regcap = oldcap ? 2 * oldcap : 1024;
        g_reg = xcalloc(g_regcap, sizeof *g_reg);
        g_regn = 0;
        for (size_t i = 0; i < oldcap; i++)
            if (old[i].key) reg_put(old[i].key, old[i].kind, old[i].rec);
        free(old);
    }
    struct slot *s = reg_slot(key);
    if (!s) {
        size_t i = hash_ptr(key, g_regcap);
        while (g_reg[i].key) i = (i + 1) & (g_regcap - 1);
        s = &g_reg[i];
        g_regn++;
    }
    *s = (struct slot){key, kind, rec};
}
static void *reg_get(const void *key, enum kind kind) {
    struct slot *s = key ? reg_slot(key) : NULL;
    return s && s->kind == kind ? s->rec : NULL;
}
static mobj *live_obj(const void *x) { mobj *o = reg_get(x, K_OBJ); return o && o->alive ? o : NULL; }

/* ------------------------------------------------------------------------------------------ */
/* Callbacks into the external                                                                 */

static void check_buffer_locks(int d);

static int enter(mobj *o, mclass *c, const char *what) {
    if (g_depth == (int)(sizeof g_stack / sizeof *g_stack)) fatal("callbacks nested too deep (%s)", what);
    g_stack[g_depth] = (struct frame){o, c ? c : o ? o->c : NULL, what, t_held};
    /* The external runs without the host's mutex (other Max threads go on meanwhile). */
    if (t_held) { t_held = 0; pthread_mutex_unlock(&g_mx); }
    return ++g_depth;
}
static void leave(int d) {
    if (g_stack[d - 1].held && !t_held) { pthread_mutex_lock(&g_mx); t_held = 1; }
    check_buffer_locks(d);
    g_depth = d - 1;
}
static mobj *current_obj(void) {
    for (int i = g_depth - 1; i >= 0; i--)
        if (g_stack[i].o) return g_stack[i].o;
    return NULL;
}

static const char *signame(int sig) {
    switch (sig) {
    case SIGSEGV: return "SIGSEGV"; case SIGABRT: return "SIGABRT"; case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE"; case SIGILL: return "SIGILL"; default: return "signal";
    }
}

/* A crash (a Rust panic aborts) inside the external: Max would go down with it. */
static void on_crash(int sig) {
    char what[800], line[1000];
    if (!t_max_thread)
        snprintf(what, sizeof what, "crash (%s) in a thread the external started", signame(sig));
    else if (g_depth)
        snprintf(what, sizeof what, "crash in %s (%s)", frame_desc(g_depth - 1), signame(sig));
    else
        snprintf(what, sizeof what, "crash in mockmax itself (%s)", signame(sig));
    int n = g_expect_fatal ? snprintf(line, sizeof line, "@%.6f fatal-as-expected %s\n", g_now, what)
                           : snprintf(line, sizeof line, "FATAL: %s\n", what);
    if (write(1, line, (size_t)n) < 0) _exit(4);
    _exit(g_expect_fatal ? 0 : 3);
}

static void install_crash_handlers(void) {
    static char altstack[1 << 16];     /* so a stack overflow is reported too */
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0};
    sigaltstack(&ss, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_crash;
    sa.sa_flags = SA_ONSTACK | SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    int sigs[] = {SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL};
    for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) sigaction(sigs[i], &sa, NULL);
}

/* ------------------------------------------------------------------------------------------ */
/* Symbols                                                                                     */

static t_symbol **g_syms; static size_t g_symcap, g_symn;

static size_t hash_str(const char *s, size_t cap) {
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return (size_t)(h & (cap - 1));
}

/* Max interns symbols: one t_symbol per string, never freed. */
t_symbol *gensym(const char *s) { HOST;
    API("gensym");
    if (!s) fatal("gensym(NULL) in %s", where());
    if (2 * (g_symn + 1) > g_symcap) {
        t_symbol **old = g_syms; size_t oldcap = g_symcap;
        g_symcap = oldcap ? 2 * oldcap : 1024;
        g_syms = xcalloc(g_symcap, sizeof *g_syms);
        for (size_t i = 0; i < oldcap; i++)
            if (old[i]) {
                size_t j = hash_str(old[i]->s_name, g_symcap);
                while (g_syms[j]) j = (j + 1) & (g_symcap - 1);
                g_syms[j] = old[i];
            }
        free(old);
    }
    size_t i = hash_str(s, g_symcap);
    for (; g_syms[i]; i = (i + 1) & (g_symcap - 1))
        if (!strcmp(g_syms[i]->s_name, s)) return g_syms[i];
    t_symbol *sym = xcalloc(1, sizeof *sym);
    sym->s_name = xstrdup(s);
    g_syms[i] = sym;
    g_symn++;
    reg_put(sym, K_SYM, sym);
    return sym;
}
static int is_symbol(const void *p) { return reg_get(p, K_SYM) != NULL; }

/* Atoms handed to Max must be well formed: Max reads a_w according to a_type, and a symbol
 * Max did not make (not from gensym) breaks every comparison by pointer. */
static void check_atoms(const char *fn, long ac, const t_atom *av) {
    if (ac < 0 || ac > 32767) fatal("%s with %ld atoms in %s", fn, ac, where());
    if (ac > 0 && !av) fatal("%s with %ld atoms and a NULL array in %s", fn, ac, where());
    for (long i = 0; i < ac; i++) {
        short t = av[i].a_type;
        if (t != A_LONG && t != A_FLOAT && t != A_SYM)
            fatal("%s: atom %ld has type %d (only A_LONG, A_FLOAT, A_SYM are messages) in %s", fn, i, t, where());
        if (t == A_SYM && !is_symbol(av[i].a_w.w_sym))
            fatal("%s: atom %ld is a t_symbol* gensym did not make in %s", fn, i, where());
    }
}

static void print_atoms(long ac, const t_atom *av) {
    for (long i = 0; i < ac; i++) {
        if (av[i].a_type == A_LONG) printf(" %lld", (long long)av[i].a_w.w_long);
        else if (av[i].a_type == A_FLOAT) printf(" %.9g", av[i].a_w.w_float);
        else printf(" %s", av[i].a_w.w_sym->s_name);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Console                                                                                     */

static void print_from(const char *kind, t_object *x, const char *fn, const char *fmt, va_list ap) {
    API(fn);
    not_in_audio(fn);
    mobj *o = NULL;
    if (x && !(o = live_obj(x))) fatal("%s on %p, which is not a live object, in %s", fn, (void *)x, where());
    char *msg = vformat(fmt ? fmt : "(NULL format)", ap);
    printf("@%.6f %s %s %s\n", g_now, kind, o && o->id ? o->id : "-", msg);
    free(msg);
}
void post(const char *fmt, ...) { HOST; va_list ap; va_start(ap, fmt); print_from("post", NULL, "post", fmt, ap); va_end(ap); }
void object_post(t_object *x, const char *fmt, ...) { HOST; va_list ap; va_start(ap, fmt); print_from("post", x, "object_post", fmt, ap); va_end(ap); }
void object_error(t_object *x, const char *fmt, ...) { HOST; va_list ap; va_start(ap, fmt); print_from("error", x, "object_error", fmt, ap); va_end(ap); }

/* ------------------------------------------------------------------------------------------ */
/* Classes                                                                                     */

static mclass *check_class(const char *fn, void *c, int may_be_registered) {
    mclass *k = reg_get(c, K_CLASS);
    if (!k) fatal("%s on %p, which class_new did not make, in %s", fn, c, where());
    /* Max builds a class's message table at class_register; later additions are lost. */
    if (k->registered && !may_be_registered) fatal("%s on class %s after class_register", fn, k->name->s_name);
    return k;
}
static mclass *find_class(t_symbol *name) {
    for (size_t i = 0; i < g_nclasses; i++)
        if (g_classes[i]->registered && g_classes[i]->name == name) return g_classes[i];
    return NULL;
}

void *class_new(const char *name, method mnew, method mfree, long size, method mmenu, short type, ...) { HOST;
    API("class_new");
    (void)mmenu;
    if (!name || !*name) fatal("class_new without a name");
    if (!mnew) fatal("class_new(%s) without a new method", name);
    /* The object struct must start with a t_object (Max writes its header). */
    if (size < (long)sizeof(t_object)) fatal("class_new(%s): size %ld is smaller than a t_object (%zu)", name, size, sizeof(t_object));
    short types[17]; int n = 0;
    va_list ap;
    va_start(ap, type);
    for (short t = type; t != 0; t = (short)va_arg(ap, int)) {
        if (n == 16) fatal("class_new(%s): argument type list not ended with 0", name);
        types[n++] = t;
    }
    va_end(ap);
    if (n > 1 || (n == 1 && types[0] != A_GIMME))
        fatal("class_new(%s): the mock supports a new method with A_GIMME or no arguments", name);
    mclass *c = xcalloc(1, sizeof *c);
    c->name = gensym(name); c->mnew = mnew; c->mfree = mfree; c->size = size; c->newtype = n ? A_GIMME : 0;
    PUSH(g_classes, g_nclasses, g_capclasses, c);
    reg_put(c, K_CLASS, c);
    return c;
}

static mmethod *find_method(mclass *c, t_symbol *name) {
    for (size_t i = 0; i < c->nmethods; i++)
        if (c->methods[i].name == name) return &c->methods[i];
    return NULL;
}

t_max_err class_addmethod(void *c, method m, const char *name, ...) { HOST;
    API("class_addmethod");
    mclass *k = check_class("class_addmethod", c, 0);
    if (!name || !m) fatal("class_addmethod on %s without a name or a function", k->name->s_name);
    short types[17]; int n = 0;
    va_list ap;
    va_start(ap, name);
    for (short t = (short)va_arg(ap, int); t != 0; t = (short)va_arg(ap, int)) {
        if (n == 16) fatal("class_addmethod(%s, %s): type list not ended with 0", k->name->s_name, name);
        types[n++] = t;
    }
    va_end(ap);
    short type = n ? types[0] : A_NOTHING;
    int ok = n == 0 || (n == 1 && (type == A_LONG || type == A_DEFLONG || type == A_FLOAT || type == A_DEFFLOAT
                                   || type == A_SYM || type == A_DEFSYM || type == A_GIMME))
             || type == A_CANT;
    if (!ok) fatal("class_addmethod(%s, %s): the mock supports no argument, one A_LONG/A_FLOAT/A_SYM, A_GIMME or A_CANT", k->name->s_name, name);
    mmethod mm = {gensym(name), m, type, n};
    mmethod *old = find_method(k, mm.name);
    if (old) { console("%s: method %s added twice (the last one counts)", k->name->s_name, name); *old = mm; }
    else PUSH(k->methods, k->nmethods, k->capmethods, mm);
    return 0;
}

/* C's `long` on the system Max runs on: 8 bytes on macOS (LP64), 4 on Windows (LLP64,
   `-windows`). The SDK's 64-bit attribute type is "atom_long" (t_atom_long). */
static size_t g_long_size = sizeof(long);

/* A signed integer of `size` bytes (8 or 4, little-endian as on every Max system) at p. */
static t_atom_long read_int(const char *p, size_t size) {
    if (size == 4) { int32_t v; memcpy(&v, p, 4); return v; }
    t_atom_long v; memcpy(&v, p, sizeof v); return v;
}

static void write_int(char *p, size_t size, t_atom_long v) {
    if (size == 4) { int32_t w = (int32_t)v; memcpy(p, &w, 4); }
    else memcpy(p, &v, sizeof v);
}

static size_t attr_size(t_symbol *type) {
    if (type == S_long) return g_long_size;
    if (type == S_atom_long) return sizeof(t_atom_long);
    if (type == S_float64) return sizeof(double);
    if (type == S_float32) return sizeof(float);
    if (type == S_symbol) return sizeof(t_symbol *);
    if (type == S_char) return 1;
    return 0;
}

t_object *attr_offset_new(const char *name, const t_symbol *type, long flags, method mget, method mset, long offset) { HOST;
    API("attr_offset_new");
    if (!name || !*name) fatal("attr_offset_new without a name");
    if (!is_symbol(type)) fatal("attr_offset_new(%s): the type is not a symbol from gensym", name);
    mattr *a = xcalloc(1, sizeof *a);
    a->ob.o_magic = MAGIC;
    a->name = gensym(name); a->type = (t_symbol *)type; a->flags = flags;
    a->get = mget; a->set = mset; a->offset = offset;
    if (a->type != S_atom && !attr_size(a->type))
        fatal("attr_offset_new(%s): unknown type \"%s\" (atom_long, long, float64, float32, symbol, char, atom)", name, type->s_name);
    reg_put(a, K_ATTR, a);
    return &a->ob;
}

t_max_err class_addattr(void *c, t_object *attr) { HOST;
    API("class_addattr");
    mclass *k = check_class("class_addattr", c, 0);
    mattr *a = reg_get(attr, K_ATTR);
    if (!a) fatal("class_addattr on %s with something attr_offset_new did not make", k->name->s_name);
    /* Max reads and writes the value at this offset inside the object when there is no getter/setter. */
    size_t sz = attr_size(a->type);
    if ((!a->get || !a->set) && (a->type == S_atom || a->offset < 0 || a->offset + (long)sz > k->size))
        fatal("%s: attribute %s (%s at offset %ld) lies outside the object (%ld bytes)", k->name->s_name, a->name->s_name, a->type->s_name, a->offset, k->size);
    PUSH(k->attrs, k->nattrs, k->capattrs, a);
    return 0;
}

static mattr *find_attr(mclass *c, t_symbol *name) {
    for (size_t i = 0; i < c->nattrs; i++)
        if (c->attrs[i]->name == name) return c->attrs[i];
    return NULL;
}

/* An attribute's attribute (what CLASS_ATTR_SAVE, CLASS_ATTR_LABEL... expand to). The mock
 * records "save" (kept in the patcher when 1); the others are accepted and ignored. */
t_max_err class_attr_addattr_parse(void *c, const char *attrname, const char *attrname2, const t_symbol *type, long flags, const char *parsestr) { HOST;
    API("class_attr_addattr_parse");
    (void)flags;
    mclass *k = check_class("class_attr_addattr_parse", c, 0);
    if (!attrname || !attrname2 || !parsestr) fatal("class_attr_addattr_parse on %s with a NULL string", k->name->s_name);
    if (!is_symbol(type)) fatal("class_attr_addattr_parse(%s, %s): the type is not a symbol from gensym", attrname, attrname2);
    mattr *a = find_attr(k, gensym(attrname));
    if (!a) fatal("class_attr_addattr_parse(%s, %s): %s has no attribute %s (class_addattr it first)", attrname, attrname2, k->name->s_name, attrname);
    if (!strcmp(attrname2, "save")) a->save = atol(parsestr) != 0;
    return 0;
}

void class_dspinit(void *c) { HOST;
    API("class_dspinit");
    mclass *k = check_class("class_dspinit", c, 0);
    /* An MSP object starts with a t_pxobject, which MSP writes. */
    if (k->size < (long)sizeof(t_pxobject))
        fatal("class_dspinit(%s): size %ld is smaller than a t_pxobject (%zu)", k->name->s_name, k->size, sizeof(t_pxobject));
    k->dsp = 1;
}

t_max_err class_register(t_symbol *name_space, void *c) { HOST;
    API("class_register");
    mclass *k = check_class("class_register", c, 1);
    if (name_space != S_box) fatal("class_register(%s) in name space \"%s\" (objects in a patcher are \"box\")", k->name->s_name, is_symbol(name_space) ? name_space->s_name : "?");
    if (find_class(k->name)) fatal("class %s registered twice", k->name->s_name);
    k->registered = 1;
    return 0;
}

void *class_findbyname(t_symbol *name_space, t_symbol *classname) { HOST;
    API("class_findbyname");
    if (!is_symbol(name_space) || !is_symbol(classname)) fatal("class_findbyname with a symbol gensym did not make in %s", where());
    return name_space == S_box ? find_class(classname) : NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* Attributes                                                                                  */

static void set_attr(mobj *o, mattr *a, long argc, t_atom *argv) {
    int d = enter(o, NULL, a->name->s_name);
    if (a->set) {
        AS(fn_attr_set, a->set)(o->x, a, argc, argv);
    } else if (argc > 0) {          /* Max's default setter: the first value, converted */
        char *p = (char *)o->x + a->offset;
        const t_atom *v = &argv[0];
        double f = v->a_type == A_FLOAT ? v->a_w.w_float : v->a_type == A_LONG ? (double)v->a_w.w_long : 0.0;
        if (a->type == S_symbol) { t_symbol *s = v->a_type == A_SYM ? v->a_w.w_sym : S_empty; memcpy(p, &s, sizeof s); }
        else if (a->type == S_long || a->type == S_atom_long) write_int(p, attr_size(a->type), (t_atom_long)f);
        else if (a->type == S_float64) memcpy(p, &f, sizeof f);
        else if (a->type == S_float32) { float g = (float)f; memcpy(p, &g, sizeof g); }
        else if (a->type == S_char) *p = (char)(t_atom_long)f;
    }
    leave(d);
}

/* An attribute's value as Max reads it: the getter, else the value at the offset (in *one). */
static void get_attr(mobj *o, mattr *a, long *ac, t_atom **av, t_atom *one) {
    if (a->get) {
        int d = enter(o, NULL, a->name->s_name);
        AS(fn_attr_get, a->get)(o->x, a, ac, av);
        leave(d);
        check_atoms("an attribute getter", *ac, *av);
        return;
    }
    const char *p = (const char *)o->x + a->offset;
    *ac = 1; *av = one;
    if (a->type == S_symbol) { one->a_type = A_SYM; memcpy(&one->a_w.w_sym, p, sizeof(t_symbol *)); check_atoms("attribute", 1, one); }
    else if (a->type == S_long || a->type == S_atom_long) { one->a_type = A_LONG; one->a_w.w_long = read_int(p, attr_size(a->type)); }
    else if (a->type == S_float64) { one->a_type = A_FLOAT; memcpy(&one->a_w.w_float, p, sizeof(double)); }
    else if (a->type == S_float32) { float g; memcpy(&g, p, sizeof g); one->a_type = A_FLOAT; one->a_w.w_float = g; }
    else { one->a_type = A_LONG; one->a_w.w_long = *p; }
}

/* Max's `getattr NAME` (and `getNAME`): the value goes to the class's A_CANT "dumpout" method
 * (object_obex_dumpout: out of the outlet stored as "dumpout"); without one, nothing. */
static void dump_attr(mobj *o, mattr *a) {
    long ac = 0;
    t_atom *av = NULL, one;
    get_attr(o, a, &ac, &av, &one);
    mmethod *m = find_method(o->c, S_dumpout);
    if (m && m->type == A_CANT) {
        int d = enter(o, NULL, "dumpout");
        AS(fn_gimme, m->fn)(o->x, a->name, ac, av);
        leave(d);
    }
    if (av != &one) free(av);
}

long attr_args_offset(short ac, t_atom *av) { HOST;
    API("attr_args_offset");
    if (ac > 0 && !av) fatal("attr_args_offset with a NULL array in %s", where());
    for (short i = 0; i < ac; i++)
        if (av[i].a_type == A_SYM && is_symbol(av[i].a_w.w_sym) && av[i].a_w.w_sym->s_name[0] == '@') return i;
    return ac;
}

void attr_args_process(void *x, short ac, t_atom *av) { HOST;
    API("attr_args_process");
    mobj *o = live_obj(x);
    if (!o) fatal("attr_args_process on %p, which is not a live object, in %s", x, where());
    check_atoms("attr_args_process", ac, av);
    for (long i = attr_args_offset(ac, av); i < ac;) {
        long j = i + 1;
        while (j < ac && !(av[j].a_type == A_SYM && av[j].a_w.w_sym->s_name[0] == '@')) j++;
        t_symbol *name = gensym(av[i].a_w.w_sym->s_name + 1);
        mattr *a = find_attr(o->c, name);
        if (a) set_attr(o, a, j - i - 1, av + i + 1);
        else console("%s: no attribute %s", o->c->name->s_name, name->s_name);
        i = j;
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Objects                                                                                     */

static void free_object(mobj *o);

void *object_alloc(void *c) { HOST;
    API("object_alloc");
    not_in_audio("object_alloc");
    mclass *k = check_class("object_alloc", c, 1);
    if (!k->registered) fatal("object_alloc on class %s before class_register", k->name->s_name);
    mobj *o = xcalloc(1, sizeof *o);
    o->x = xcalloc(1, (size_t)k->size);
    o->x->o_magic = MAGIC;
    o->x->o_messlist = k;
    o->c = k; o->alive = 1;
    /* inside the class's new: this is the object being made */
    struct frame *top = g_depth ? &g_stack[g_depth - 1] : NULL;
    if (top && !top->o && top->c == k && !strcmp(top->what, "new")) {
        top->o = o;
        o->id = xstrdup(g_new_id);
    }
    PUSH(g_objs, g_nobjs, g_capobjs, o);
    reg_put(o->x, K_OBJ, o);
    return o->x;
}

static void free_clock(mclock *k);
static void free_qelem(mqelem *q);
typedef struct mdict mdict;
typedef struct marray marray;
static void free_dict(mdict *d, int check_owned);
static void free_array_alone(marray *a);

t_max_err object_free(void *x) { HOST;
    API("object_free");
    not_in_audio("object_free");
    if (!x) return 0;
    struct slot *s = reg_slot(x);
    if (!s) fatal("object_free on %p, which Max did not make, in %s", x, where());
    switch (s->kind) {
    case K_OBJ: free_object(s->rec); break;
    case K_CLOCK: free_clock(s->rec); break;
    case K_QELEM: free_qelem(s->rec); break;
    case K_BUFREF: {
        mbufref *r = s->rec;
        if (!r->alive) fatal("buffer_ref freed twice in %s", where());
        r->alive = 0;
        break;
    }
    case K_DICT: free_dict(s->rec, 1); break;
    case K_ATOMARRAY: free_array_alone(s->rec); break;
    default: fatal("object_free on %p, which is not an object, clock, buffer_ref or dictionary, in %s", x, where());
    }
    return 0;
}
void freeobject(void *x) { HOST; API("freeobject"); object_free(x); }

/* ------------------------------------------------------------------------------------------ */
/* Dictionaries (ext_dictionary.h, ext_dictobj.h): what live.miditool.in sends and            */
/* live.miditool.out takes. A dictionary holds keys in order, each with its atoms; a JSON      */
/* array is kept as an atomarray (dictionary_entryisatomarray says so, and getatoms gives its  */
/* atoms flat); a dictionary or an array inside another is an A_OBJ atom the outer one owns.   */
/* JSON numbers with a '.' or an exponent are A_FLOAT, others A_LONG (t_atom_long: 64 bits),  */
/* as Max reads them. `dict_read NAME FILE` registers one from a JSON file, as Live makes      */
/* them; a `dictionary NAME` leaving an outlet is printed `@T dict NAME JSON` after its line.  */

typedef struct mentry { t_symbol *key; long ac; t_atom *av; int isarray; } mentry;
typedef struct mdict {
    t_object ob; mentry *e; size_t n, cap; int alive, owned; t_symbol *name; long retains;
} mdict;
typedef struct marray { t_object ob; long ac; t_atom *av; int alive, owned; } marray;

static mdict **g_dicts; static size_t g_ndicts, g_capdicts;   /* registered, by name */
static long g_keylists;                                     /* dictionary_getkeys not freed */
static unsigned long g_dict_seq;

static void free_array(marray *a);
static void free_dict(mdict *d, int check_owned);
static void free_atoms_owned(long ac, t_atom *av) {
    for (long i = 0; i < ac; i++) {
        if (av[i].a_type != A_OBJ) continue;
        struct slot *s = reg_slot(av[i].a_w.w_obj);
        if (s && s->kind == K_DICT) free_dict(s->rec, 0);
        else if (s && s->kind == K_ATOMARRAY) free_array(s->rec);
    }
}
static void free_array(marray *a) {
    if (!a->alive) fatal("atomarray freed twice in %s", where());
    free_atoms_owned(a->ac, a->av);
    a->alive = 0;
}
static void free_dict(mdict *d, int check_owned) {
    if (!d->alive) fatal("dictionary freed twice in %s", where());
    if (check_owned && d->owned) fatal("object_free on a dictionary another dictionary holds in %s", where());
    for (size_t i = 0; i < d->n; i++) free_atoms_owned(d->e[i].ac, d->e[i].av);
    for (size_t i = 0; i < g_ndicts; i++)
        if (g_dicts[i] == d) { g_dicts[i] = g_dicts[--g_ndicts]; break; }
    d->alive = 0;
}
static void free_array_alone(marray *a) {
    if (a->alive && a->owned) fatal("object_free on an atomarray a dictionary holds (the dictionary frees it) in %s", where());
    free_array(a);
}
static mdict *new_dict(void) {
    mdict *d = xcalloc(1, sizeof *d);
    d->ob.o_magic = MAGIC; d->alive = 1;
    reg_put(d, K_DICT, d);
    return d;
}
static marray *new_array(long ac, const t_atom *av) {
    marray *a = xcalloc(1, sizeof *a);
    a->ob.o_magic = MAGIC; a->alive = 1; a->ac = ac;
    a->av = xcalloc((size_t)(ac ? ac : 1), sizeof(t_atom));
    if (ac) memcpy(a->av, av, (size_t)ac * sizeof(t_atom));
    reg_put(a, K_ATOMARRAY, a);
    return a;
}
static mdict *check_dict(const char *fn, void *p) {
    API(fn);
    not_in_audio(fn);
    mdict *d = reg_get(p, K_DICT);
    if (!d) fatal("%s on %p, which is not a dictionary, in %s", fn, p, where());
    if (!d->alive) fatal("%s on a freed dictionary in %s", fn, where());
    return d;
}
static mentry *dict_find(mdict *d, t_symbol *key) {
    for (size_t i = 0; i < d->n; i++) if (d->e[i].key == key) return &d->e[i];
    return NULL;
}
static void dict_put(mdict *d, t_symbol *key, long ac, const t_atom *av, int isarray) {
    mentry *e = dict_find(d, key);
    if (e) { free_atoms_owned(e->ac, e->av); free(e->av); }
    else { mentry z = {key, 0, NULL, 0}; PUSH(d->e, d->n, d->cap, z); e = &d->e[d->n - 1]; }
    e->ac = ac; e->isarray = isarray;
    e->av = xcalloc((size_t)(ac ? ac : 1), sizeof(t_atom));
    if (ac) memcpy(e->av, av, (size_t)ac * sizeof(t_atom));
    for (long i = 0; i < ac; i++)
        if (av[i].a_type == A_OBJ) {
            struct slot *s = reg_slot(av[i].a_w.w_obj);
            if (s && s->kind == K_DICT) ((mdict *)s->rec)->owned = 1;
            else if (s && s->kind == K_ATOMARRAY) ((marray *)s->rec)->owned = 1;
        }
}

/* JSON in */
typedef struct { const char *p; char err[256]; } jparse;
static void jskip(jparse *j) { while (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r') j->p++; }
static int jfail(jparse *j, const char *what) {
    if (!j->err[0]) snprintf(j->err, sizeof j->err, "JSON: %s at '%.20s'", what, j->p);
    return 0;
}
static int jstring(jparse *j, char **out) {
    if (*j->p != '"') return jfail(j, "expected a string");
    j->p++;
    size_t cap = 64, n = 0; char *s = xcalloc(cap, 1);
    while (*j->p && *j->p != '"') {
        char c = *j->p++;
        if (c == '\\') {
            char e = *j->p++;
            c = e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e == 'b' ? '\b' : e == 'f' ? '\f' : e;
            if (e == 'u') { free(s); return jfail(j, "\\u escapes are not in the mock"); }
        }
        if (n + 2 > cap) { cap *= 2; s = xrealloc(s, cap); }
        s[n++] = c;
    }
    if (*j->p != '"') { free(s); return jfail(j, "unterminated string"); }
    j->p++;
    s[n] = 0;
    *out = s;
    return 1;
}
static int jvalue(jparse *j, t_atom **av, long *ac, int *isarray);
static int jobject(jparse *j, mdict **out) {
    mdict *d = new_dict();
    j->p++;
    jskip(j);
    if (*j->p == '}') { j->p++; *out = d; return 1; }
    for (;;) {
        jskip(j);
        char *key;
        if (!jstring(j, &key)) return 0;
        jskip(j);
        if (*j->p != ':') { free(key); return jfail(j, "expected ':'"); }
        j->p++;
        t_atom *av; long ac; int isarray;
        if (!jvalue(j, &av, &ac, &isarray)) { free(key); return 0; }
        dict_put(d, gensym(key), ac, av, isarray);
        free(key); free(av);
        jskip(j);
        if (*j->p == ',') { j->p++; continue; }
        if (*j->p == '}') { j->p++; *out = d; return 1; }
        return jfail(j, "expected ',' or '}'");
    }
}
/* One value: its atoms (an array: its elements, nested arrays as atomarrays). */
static int jvalue(jparse *j, t_atom **av, long *ac, int *isarray) {
    jskip(j);
    *isarray = 0;
    if (*j->p == '[') {
        j->p++;
        size_t n = 0, cap = 0; t_atom *list = NULL;
        jskip(j);
        if (*j->p == ']') { j->p++; *av = xcalloc(1, sizeof(t_atom)); *ac = 0; *isarray = 1; return 1; }
        for (;;) {
            t_atom *el; long nel; int arr;
            if (!jvalue(j, &el, &nel, &arr)) { free(list); return 0; }
            t_atom one;
            if (arr) { one.a_type = A_OBJ; one.a_w.w_obj = (t_object *)new_array(nel, el); ((marray *)one.a_w.w_obj)->owned = 1; }
            else one = el[0];
            free(el);
            PUSH(list, n, cap, one);
            jskip(j);
            if (*j->p == ',') { j->p++; continue; }
            if (*j->p == ']') { j->p++; break; }
            free(list);
            return jfail(j, "expected ',' or ']'");
        }
        *av = list; *ac = (long)n; *isarray = 1;
        return 1;
    }
    t_atom *a = xcalloc(1, sizeof(t_atom));
    *av = a; *ac = 1;
    if (*j->p == '{') {
        mdict *d;
        if (!jobject(j, &d)) return 0;
        a->a_type = A_OBJ; a->a_w.w_obj = (t_object *)d;
        return 1;
    }
    if (*j->p == '"') {
        char *s;
        if (!jstring(j, &s)) return 0;
        a->a_type = A_SYM; a->a_w.w_sym = gensym(s);
        free(s);
        return 1;
    }
    if (!strncmp(j->p, "true", 4)) { j->p += 4; a->a_type = A_LONG; a->a_w.w_long = 1; return 1; }
    if (!strncmp(j->p, "false", 5)) { j->p += 5; a->a_type = A_LONG; a->a_w.w_long = 0; return 1; }
    if (!strncmp(j->p, "null", 4)) return jfail(j, "null is not in the mock");
    const char *start = j->p;
    char *end;
    double f = strtod(start, &end);
    if (end == start) return jfail(j, "expected a value");
    int real = 0;
    for (const char *q = start; q < end; q++) if (*q == '.' || *q == 'e' || *q == 'E') real = 1;
    if (real) { a->a_type = A_FLOAT; a->a_w.w_float = f; }
    else { a->a_type = A_LONG; a->a_w.w_long = (t_atom_long)strtoll(start, NULL, 10); }
    j->p = end;
    return 1;
}
static mdict *dict_from_json(const char *text, char *err, size_t errlen) {
    jparse j = {text, {0}};
    jskip(&j);
    mdict *d = NULL;
    if (*j.p != '{') jfail(&j, "a dictionary is a JSON object");
    else if (jobject(&j, &d)) {
        jskip(&j);
        if (*j.p) { jfail(&j, "text after the object"); d = NULL; }
    }
    if (!d && err) snprintf(err, errlen, "%s", j.err);
    return d;
}

/* JSON out */
static void json_atom(FILE *f, const t_atom *a);
static void json_dict(FILE *f, mdict *d) {
    fputc('{', f);
    for (size_t i = 0; i < d->n; i++) {
        mentry *e = &d->e[i];
        fprintf(f, "%s\"%s\":", i ? "," : "", e->key->s_name);
        if (e->isarray || e->ac != 1) {
            fputc('[', f);
            for (long k = 0; k < e->ac; k++) { if (k) fputc(',', f); json_atom(f, &e->av[k]); }
            fputc(']', f);
        } else json_atom(f, &e->av[0]);
    }
    fputc('}', f);
}
static void json_atom(FILE *f, const t_atom *a) {
    if (a->a_type == A_LONG) fprintf(f, "%lld", (long long)a->a_w.w_long);
    else if (a->a_type == A_FLOAT) {
        char b[40];
        snprintf(b, sizeof b, "%.17g", a->a_w.w_float);
        if (!strpbrk(b, ".eE")) strcat(b, ".0");
        fputs(b, f);
    } else if (a->a_type == A_SYM) {
        fputc('"', f);
        for (const char *c = a->a_w.w_sym->s_name; *c; c++) {
            if (*c == '"' || *c == '\\') fputc('\\', f);
            fputc(*c, f);
        }
        fputc('"', f);
    } else if (a->a_type == A_OBJ) {
        struct slot *s = reg_slot(a->a_w.w_obj);
        if (s && s->kind == K_DICT) json_dict(f, s->rec);
        else if (s && s->kind == K_ATOMARRAY) {
            marray *ar = s->rec;
            fputc('[', f);
            for (long k = 0; k < ar->ac; k++) { if (k) fputc(',', f); json_atom(f, &ar->av[k]); }
            fputc(']', f);
        } else fputs("\"<object>\"", f);
    } else fputs("\"<atom>\"", f);
}

static mdict *find_registered(t_symbol *name) {
    for (size_t i = 0; i < g_ndicts; i++) if (g_dicts[i]->name == name) return g_dicts[i];
    return NULL;
}

t_object *dictionary_new(void) { HOST;
    API("dictionary_new");
    not_in_audio("dictionary_new");
    return (t_object *)new_dict();
}
t_object *dictobj_register(t_object *d, t_symbol **name) { HOST;
    mdict *x = check_dict("dictobj_register", d);
    if (!name) fatal("dictobj_register with a NULL name pointer in %s", where());
    if (x->owned) fatal("dictobj_register on a dictionary another one holds in %s", where());
    if (!*name) {
        char b[32];
        do snprintf(b, sizeof b, "u%09lu", ++g_dict_seq); while (find_registered(gensym(b)));
        *name = gensym(b);
    } else if (!is_symbol(*name)) fatal("dictobj_register with a name gensym did not make in %s", where());
    mdict *other = find_registered(*name);
    if (other && other != x) fatal("dictobj_register: a dictionary named %s exists already (the mock does not merge) in %s", (*name)->s_name, where());
    x->name = *name;
    if (!other) PUSH(g_dicts, g_ndicts, g_capdicts, x);
    return d;
}
t_object *dictobj_findregistered_retain(t_symbol *name) { HOST;
    API("dictobj_findregistered_retain");
    not_in_audio("dictobj_findregistered_retain");
    if (!is_symbol(name)) fatal("dictobj_findregistered_retain with a name gensym did not make in %s", where());
    mdict *d = find_registered(name);
    if (d) d->retains++;
    return (t_object *)d;
}
t_max_err dictobj_release(t_object *d) { HOST;
    mdict *x = check_dict("dictobj_release", d);
    if (x->retains <= 0) fatal("dictobj_release on dictionary %s that was not retained in %s", x->name ? x->name->s_name : "(unnamed)", where());
    x->retains--;
    return 0;
}
t_max_err dictobj_dictionaryfromstring(t_object **d, const char *str, int is_json, char *errorstring) { HOST;
    API("dictobj_dictionaryfromstring");
    not_in_audio("dictobj_dictionaryfromstring");
    if (!d || !str) fatal("dictobj_dictionaryfromstring with a NULL argument in %s", where());
    if (!is_json) fatal("dictobj_dictionaryfromstring: the mock reads JSON only (str_is_already_json 1)");
    char err[256];
    mdict *x = dict_from_json(str, err, sizeof err);
    if (!x) { if (errorstring) snprintf(errorstring, 256, "%s", err); *d = NULL; return -1; }
    *d = (t_object *)x;
    return 0;
}
t_max_err dictionary_getkeys(t_object *d, long *numkeys, t_symbol ***keys) { HOST;
    mdict *x = check_dict("dictionary_getkeys", d);
    if (!numkeys || !keys) fatal("dictionary_getkeys with a NULL argument in %s", where());
    *numkeys = (long)x->n;
    *keys = xcalloc(x->n ? x->n : 1, sizeof(t_symbol *));
    for (size_t i = 0; i < x->n; i++) (*keys)[i] = x->e[i].key;
    g_keylists++;
    return 0;
}
void dictionary_freekeys(t_object *d, long numkeys, t_symbol **keys) { HOST;
    check_dict("dictionary_freekeys", d);
    (void)numkeys;
    if (!keys) fatal("dictionary_freekeys with NULL keys in %s", where());
    if (g_keylists <= 0) fatal("dictionary_freekeys on keys dictionary_getkeys did not give in %s", where());
    g_keylists--;
    free(keys);
}
t_max_err dictionary_getatoms(t_object *d, t_symbol *key, long *argc, t_atom **argv) { HOST;
    mdict *x = check_dict("dictionary_getatoms", d);
    if (!is_symbol(key)) fatal("dictionary_getatoms with a key gensym did not make in %s", where());
    mentry *e = dict_find(x, key);
    if (!e) { *argc = 0; *argv = NULL; return -1; }
    *argc = e->ac; *argv = e->av;
    return 0;
}
long dictionary_entryisatomarray(t_object *d, t_symbol *key) { HOST;
    mdict *x = check_dict("dictionary_entryisatomarray", d);
    mentry *e = dict_find(x, key);
    return e && e->isarray;
}
t_max_err atomarray_getatoms(t_object *a, long *ac, t_atom **av) { HOST;
    API("atomarray_getatoms");
    marray *x = reg_get(a, K_ATOMARRAY);
    if (!x || !x->alive) fatal("atomarray_getatoms on %p, which is not a live atomarray, in %s", (void *)a, where());
    *ac = x->ac; *av = x->av;
    return 0;
}
t_symbol *object_classname(void *x) { HOST;
    API("object_classname");
    struct slot *s = x ? reg_slot(x) : NULL;
    if (s && s->kind == K_DICT) return gensym("dictionary");
    if (s && s->kind == K_ATOMARRAY) return gensym("atomarray");
    mobj *o = live_obj(x);
    if (o) return o->c->name;
    fatal("object_classname on %p, which is not an object, in %s", x, where());
}

/* After an outlet sent `dictionary NAME`: the dictionary as it is now. */
static void print_dict_out(const char *sel, long ac, const t_atom *av) {
    if (strcmp(sel, "dictionary") || ac != 1 || av[0].a_type != A_SYM) return;
    mdict *d = find_registered(av[0].a_w.w_sym);
    if (!d) fatal("an outlet sent 'dictionary %s', but no dictionary has that name (in %s)", av[0].a_w.w_sym->s_name, where());
    printf("@%.6f dict %s ", g_now, av[0].a_w.w_sym->s_name);
    json_dict(stdout, d);
    printf("\n");
}

/* ------------------------------------------------------------------------------------------ */
/* Outlets (Max creates them right to left: each new outlet goes to the left of the others)   */

void *outlet_new(void *x, const char *type) { HOST;
    API("outlet_new");
    mobj *o = live_obj(x);
    if (!o) fatal("outlet_new on %p, which is not a live object, in %s", x, where());
    int sig = type && !strcmp(type, "signal");
    if (sig && !o->c->dsp) fatal("%s: a signal outlet on a class without class_dspinit", o->c->name->s_name);
    moutlet *ol = xcalloc(1, sizeof *ol);
    ol->owner = o; ol->is_signal = sig; ol->next = o->outlets;
    o->outlets = ol;
    reg_put(ol, K_OUTLET, ol);
    return ol;
}

static int outlet_index(moutlet *ol) {
    int i = 0;
    for (moutlet *p = ol->owner->outlets; p && p != ol; p = p->next) i++;
    return i;
}

static moutlet *check_outlet(const char *fn, void *p) {
    API(fn);
    not_in_audio(fn);
    moutlet *ol = reg_get(p, K_OUTLET);
    if (!ol) fatal("%s on %p, which is not an outlet, in %s", fn, p, where());
    if (!ol->owner->alive) fatal("%s on an outlet of a freed %s in %s", fn, ol->owner->c->name->s_name, where());
    if (ol->is_signal) fatal("%s on signal outlet %d of %s (a signal outlet carries no messages) in %s", fn, outlet_index(ol), ol->owner->c->name->s_name, where());
    return ol;
}

static void print_out(moutlet *ol, const char *sel, long ac, const t_atom *av) {
    printf("@%.6f out %s %d %s", g_now, ol->owner->id ? ol->owner->id : "-", outlet_index(ol), sel);
    print_atoms(ac, av);
    printf("\n");
}

void *outlet_bang(void *o) { HOST; moutlet *ol = check_outlet("outlet_bang", o); print_out(ol, "bang", 0, NULL); return NULL; }
void *outlet_int(void *o, t_atom_long n) { HOST;
    moutlet *ol = check_outlet("outlet_int", o);
    t_atom a = {.a_type = A_LONG, .a_w.w_long = n};
    print_out(ol, "int", 1, &a);
    return NULL;
}
void *outlet_float(void *o, double f) { HOST;
    moutlet *ol = check_outlet("outlet_float", o);
    t_atom a = {.a_type = A_FLOAT, .a_w.w_float = f};
    print_out(ol, "float", 1, &a);
    return NULL;
}
void *outlet_list(void *o, t_symbol *s, short ac, t_atom *av) { HOST;
    moutlet *ol = check_outlet("outlet_list", o);
    if (s && !is_symbol(s)) fatal("outlet_list with a selector gensym did not make in %s", where());
    check_atoms("outlet_list", ac, av);
    print_out(ol, "list", ac, av);
    return NULL;
}
void *outlet_anything(void *o, t_symbol *s, short ac, t_atom *av) { HOST;
    moutlet *ol = check_outlet("outlet_anything", o);
    if (!is_symbol(s)) fatal("outlet_anything with a selector gensym did not make in %s", where());
    check_atoms("outlet_anything", ac, av);
    print_out(ol, s->s_name, ac, av);
    print_dict_out(s->s_name, ac, av);
    return NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* The obex: an object's named extras ("dumpout": the outlet getattr answers come out of)     */

t_max_err object_obex_store(void *x, t_symbol *key, t_object *val) { HOST;
    API("object_obex_store");
    mobj *o = live_obj(x);
    if (!o) fatal("object_obex_store on %p, which is not a live object, in %s", x, where());
    if (!is_symbol(key)) fatal("object_obex_store with a key gensym did not make in %s", where());
    for (int i = 0; i < o->nobex; i++)
        if (o->obex_key[i] == key) { o->obex_val[i] = val; return 0; }
    if (o->nobex == 8) fatal("object_obex_store: more than 8 keys on one object (the mock's limit)");
    o->obex_key[o->nobex] = key; o->obex_val[o->nobex++] = val;
    return 0;
}

t_max_err object_obex_lookup(void *x, t_symbol *key, t_object **val) { HOST;
    API("object_obex_lookup");
    mobj *o = live_obj(x);
    if (!o) fatal("object_obex_lookup on %p, which is not a live object, in %s", x, where());
    if (!val) fatal("object_obex_lookup with a NULL result in %s", where());
    for (int i = 0; i < o->nobex; i++)
        if (o->obex_key[i] == key) { *val = o->obex_val[i]; return 0; }
    *val = NULL;
    return -1;      /* MAX_ERR_GENERIC */
}

/* Max's dumpout method: the message out of the outlet stored as "dumpout", if any. */
void object_obex_dumpout(void *x, const t_symbol *s, long argc, const t_atom *argv) { HOST;
    API("object_obex_dumpout");
    t_object *out = NULL;
    if (object_obex_lookup(x, S_dumpout, &out) || !out) return;
    outlet_anything(out, (t_symbol *)s, (short)argc, (t_atom *)argv);
}

/* ------------------------------------------------------------------------------------------ */
/* Clocks, qelems, defer_low                                                                   */

/* Whose clock/qelem is this: the object given, else the object whose method is running. */
static mobj *owner_of(void *obj) { mobj *o = live_obj(obj); return o ? o : current_obj(); }

void *clock_new(void *obj, method fn) { HOST;
    API("clock_new");
    if (!fn) fatal("clock_new without a function in %s", where());
    mclock *k = xcalloc(1, sizeof *k);
    k->ob.o_magic = MAGIC;
    k->obj = obj; k->fn = fn; k->owner = owner_of(obj); k->alive = 1;
    PUSH(g_clocks, g_nclocks, g_capclocks, k);
    reg_put(k, K_CLOCK, k);
    return k;
}
static mclock *check_clock(const char *fn, void *c) {
    API(fn);
    mclock *k = reg_get(c, K_CLOCK);
    if (!k) fatal("%s on %p, which is not a clock, in %s", fn, c, where());
    if (!k->alive) fatal("%s on a freed clock in %s", fn, where());
    return k;
}
void clock_fdelay(void *c, double ms) { HOST;
    mclock *k = check_clock("clock_fdelay", c);
    sync_now();
    k->armed = 1;
    k->when = g_now + (ms > 0 ? ms : 0);
    k->seq = ++g_seq;
}
void clock_unset(void *c) { HOST; check_clock("clock_unset", c)->armed = 0; }
void clock_getftime(double *time) { HOST; API("clock_getftime"); sync_now(); *time = g_now; }
static void free_clock(mclock *k) {
    if (!k->alive) fatal("a clock freed twice in %s", where());
    k->alive = 0; k->armed = 0;
}

/* Logical time; during `stress` it follows real time (ms since the stress began, from the
 * logical time it began at). */
static int g_stress; static double g_stress_t0, g_stress_base;
static double mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}
static void sync_now(void) {
    if (!g_stress) return;
    double t = g_stress_base + mono_ms() - g_stress_t0;
    if (t > g_now) g_now = t;
}

static void enqueue(qitem *it) {
    it->next = NULL;
    if (g_qtail) g_qtail->next = it; else g_qhead = it;
    g_qtail = it;
}

void *qelem_new(void *obj, method fn) { HOST;
    API("qelem_new");
    if (!fn) fatal("qelem_new without a function in %s", where());
    mqelem *q = xcalloc(1, sizeof *q);
    q->obj = obj; q->fn = fn; q->owner = owner_of(obj); q->alive = 1;
    PUSH(g_qelems, g_nqelems, g_capqelems, q);
    reg_put(q, K_QELEM, q);
    return q;
}
static mqelem *check_qelem(const char *fn, void *p) {
    API(fn);
    mqelem *q = reg_get(p, K_QELEM);
    if (!q) fatal("%s on %p, which is not a qelem, in %s", fn, p, where());
    if (!q->alive) fatal("%s on a freed qelem in %s", fn, where());
    return q;
}
/* A set qelem runs once, however often it was set (Max's low-priority queue). */
void qelem_set(void *p) { HOST;
    mqelem *q = check_qelem("qelem_set", p);
    if (q->pending) return;
    q->pending = 1;
    qitem *it = xcalloc(1, sizeof *it);
    it->q = q;
    enqueue(it);
}
void qelem_unset(void *p) { HOST; check_qelem("qelem_unset", p)->pending = 0; }
static void free_qelem(mqelem *q) {
    if (!q->alive) fatal("a qelem freed twice in %s", where());
    q->alive = 0; q->pending = 0;
}
void qelem_free(void *p) { HOST; free_qelem(check_qelem("qelem_free", p)); }

/* defer_low always defers, even on the main thread, and copies the atoms. */
void *defer_low(void *ob, method fn, t_symbol *sym, short argc, t_atom *argv) { HOST;
    API("defer_low");
    if (!fn) fatal("defer_low without a function in %s", where());
    if (sym && !is_symbol(sym)) fatal("defer_low with a symbol gensym did not make in %s", where());
    check_atoms("defer_low", argc, argv);
    qitem *it = xcalloc(1, sizeof *it);
    it->ob = ob; it->obrec = live_obj(ob); it->fn = fn; it->sym = sym; it->argc = argc;
    it->argv = xcalloc((size_t)argc, sizeof(t_atom));
    if (argc) memcpy(it->argv, argv, (size_t)argc * sizeof(t_atom));
    enqueue(it);
    return NULL;
}

short systhread_ismainthread(void) { HOST; API("systhread_ismainthread"); return g_ctx == MAIN; }
short systhread_istimerthread(void) { HOST; API("systhread_istimerthread"); return g_ctx == SCHEDULER; }
/* isr(): true at interrupt level, i.e. in the scheduler (and the audio thread). */
long isr(void) { HOST; API("isr"); return g_ctx != MAIN; }
float sys_getsr(void) { HOST; API("sys_getsr"); return (float)g_sr; }

/* ------------------------------------------------------------------------------------------ */
/* Buffers (buffer~ and buffer_ref)                                                            */

#define CANARY 64                      /* floats after the samples, checked at unlock */
static const uint32_t CANARY_BITS = 0x7fa5dead;  /* a NaN no computation produces */

static void alloc_samples(mbuffer *b, long chans, long frames) {
    free(b->samples);
    size_t n = (size_t)chans * (size_t)frames;
    b->samples = xcalloc(n + CANARY, sizeof(float));
    for (size_t i = 0; i < CANARY; i++) memcpy(&b->samples[n + i], &CANARY_BITS, sizeof(float));
    b->chans = chans; b->frames = frames;
}
static int canary_intact(mbuffer *b) {
    size_t n = (size_t)b->chans * (size_t)b->frames;
    for (size_t i = 0; i < CANARY; i++)
        if (memcmp(&b->samples[n + i], &CANARY_BITS, sizeof(float))) return 0;
    return 1;
}

static mbuffer *find_buffer(t_symbol *name) {
    for (size_t i = 0; i < g_nbufs; i++)
        if (g_bufs[i]->alive && g_bufs[i]->name == name) return g_bufs[i];
    return NULL;
}
static mbuffer *check_buffer(const char *fn, void *p) {
    API(fn);
    mbuffer *b = reg_get(p, K_BUFFER);
    if (!b) fatal("%s on %p, which is not a buffer~, in %s", fn, p, where());
    if (!b->alive) fatal("%s on a deleted buffer~ (%s) in %s", fn, b->name->s_name, where());
    return b;
}
static mbufref *check_ref(const char *fn, void *p) {
    API(fn);
    mbufref *r = reg_get(p, K_BUFREF);
    if (!r) fatal("%s on %p, which is not a buffer_ref, in %s", fn, p, where());
    if (!r->alive) fatal("%s on a freed buffer_ref in %s", fn, where());
    return r;
}

/* A callback must unlock what it locked before it returns (MSP's lock is not held across
 * callbacks; buffer~ may be resized or freed in between). */
/* The locks this thread holds, with the callback depth each was taken at. */
static _Thread_local struct { mbuffer *b; int depth; } t_locks[256];
static _Thread_local int t_nlocks;
static void check_buffer_locks(int d) {
    for (int i = 0; i < t_nlocks; i++)
        if (t_locks[i].depth >= d)
            fatal("%s returned with buffer~ %s still locked (buffer_locksamples without buffer_unlocksamples)", frame_desc(d - 1), t_locks[i].b->name->s_name);
}

void *buffer_ref_new(t_object *self, t_symbol *name) { HOST;
    API("buffer_ref_new");
    mobj *o = live_obj(self);
    if (!o) fatal("buffer_ref_new for %p, which is not a live object, in %s", (void *)self, where());
    if (name && !is_symbol(name)) fatal("buffer_ref_new with a name gensym did not make in %s", where());
    mbufref *r = xcalloc(1, sizeof *r);
    r->ob.o_magic = MAGIC;
    r->owner = o; r->name = name ? name : S_empty; r->alive = 1;
    PUSH(g_refs, g_nrefs, g_caprefs, r);
    reg_put(r, K_BUFREF, r);
    return r;
}
void buffer_ref_set(void *ref, t_symbol *name) { HOST;
    mbufref *r = check_ref("buffer_ref_set", ref);
    if (name && !is_symbol(name)) fatal("buffer_ref_set with a name gensym did not make in %s", where());
    r->name = name ? name : S_empty;
}
t_atom_long buffer_ref_exists(void *ref) { HOST; return find_buffer(check_ref("buffer_ref_exists", ref)->name) != NULL; }
void *buffer_ref_getobject(void *ref) { HOST; return find_buffer(check_ref("buffer_ref_getobject", ref)->name); }
t_max_err buffer_ref_notify(void *ref, t_symbol *s, t_symbol *msg, void *sender, void *data) { HOST;
    mbufref *r = check_ref("buffer_ref_notify", ref);
    (void)s; (void)msg; (void)sender; (void)data;
    r->notified++;
    return 0;
}

float *buffer_locksamples(void *p) { HOST;
    mbuffer *b = check_buffer("buffer_locksamples", p);
    if (!g_depth) fatal("buffer_locksamples outside any callback");
    if (t_nlocks == (int)(sizeof t_locks / sizeof *t_locks)) fatal("more than 256 buffer~ locks held in %s", where());
    t_locks[t_nlocks].b = b; t_locks[t_nlocks].depth = g_depth; t_nlocks++;
    b->locks++;
    return b->samples;
}
void buffer_unlocksamples(void *p) { HOST;
    mbuffer *b = check_buffer("buffer_unlocksamples", p);
    int i = t_nlocks - 1;
    while (i >= 0 && t_locks[i].b != b) i--;
    if (i < 0) fatal("buffer_unlocksamples on buffer~ %s, which is not locked (in this thread), in %s", b->name->s_name, where());
    memmove(&t_locks[i], &t_locks[i + 1], (size_t)(t_nlocks - i - 1) * sizeof *t_locks);
    t_nlocks--;
    if (!canary_intact(b))
        fatal("%s wrote past the end of buffer~ %s (%ld frames x %ld channels)", where(), b->name->s_name, b->frames, b->chans);
    b->locks--;
}
t_atom_long buffer_getchannelcount(void *p) { HOST; return check_buffer("buffer_getchannelcount", p)->chans; }
t_atom_long buffer_getframecount(void *p) { HOST; return check_buffer("buffer_getframecount", p)->frames; }
t_atom_float buffer_getsamplerate(void *p) { HOST; return check_buffer("buffer_getsamplerate", p)->sr; }

/* Changes reach the buffer's clients later, as "buffer_modified", from the main thread. */
static void buffer_changed(mbuffer *b) {
    if (b->mod_pending) return;
    b->mod_pending = 1;
    qitem *it = xcalloc(1, sizeof *it);
    it->buf = b;
    enqueue(it);
}
t_max_err buffer_setdirty(void *p) { HOST;
    mbuffer *b = check_buffer("buffer_setdirty", p);
    b->dirty = 1;
    buffer_changed(b);
    return 0;
}

/* buffer~ "sizeinsamps FRAMES [CHANNELS]": the only message the mock's buffer~ takes. */
t_max_err object_method_typed(void *x, t_symbol *s, long ac, t_atom *av, t_atom *rv) { HOST;
    API("object_method_typed");
    /* Max writes the method's result into rv: a NULL there is written through. */
    if (!rv) fatal("object_method_typed(%s) with a NULL result atom in %s", is_symbol(s) ? s->s_name : "?", where());
    rv->a_type = A_NOTHING; rv->a_w.w_long = 0;
    mbuffer *b = reg_get(x, K_BUFFER);
    if (!b) fatal("object_method_typed on %p, which is not a buffer~ (the mock knows only buffer~'s sizeinsamps), in %s", x, where());
    b = check_buffer("object_method_typed", x);
    if (s != S_sizeinsamps) fatal("object_method_typed: buffer~ %s does not take \"%s\" in the mock (only sizeinsamps) in %s", b->name->s_name, is_symbol(s) ? s->s_name : "?", where());
    /* Resizing reallocates the samples: never from the scheduler or audio thread, never locked. */
    if (g_ctx != MAIN) fatal("buffer~ %s resized in %s (%s): only the main thread may", b->name->s_name, CTX_NAME[g_ctx], where());
    if (b->locks) fatal("buffer~ %s resized while locked in %s", b->name->s_name, where());
    check_atoms("object_method_typed", ac, av);
    if (ac < 1 || ac > 2 || av[0].a_type != A_LONG || (ac == 2 && av[1].a_type != A_LONG))
        fatal("sizeinsamps on buffer~ %s wants 1 or 2 ints (frames [channels]) in %s", b->name->s_name, where());
    long frames = (long)av[0].a_w.w_long, chans = ac == 2 ? (long)av[1].a_w.w_long : b->chans;
    if (frames < 0 || chans < 1 || chans > 64) fatal("sizeinsamps %ld %ld on buffer~ %s in %s", frames, chans, b->name->s_name, where());
    alloc_samples(b, chans, frames);
    buffer_changed(b);
    return 0;
}

/* Max tells the holders of a buffer_ref about the buffer~ through their "notify" method, and
 * they must pass it on to buffer_ref_notify (else the reference keeps a stale buffer). */
static void notify_holders(t_symbol *name, t_symbol *msg, mbuffer *b) {
    for (size_t i = 0; i < g_nrefs; i++) {
        mbufref *r = g_refs[i];
        if (!r->alive || r->name != name || !r->owner->alive) continue;
        mmethod *m = find_method(r->owner->c, S_notify);
        if (!m || m->type != A_CANT)
            fatal("%s holds a buffer_ref to %s but has no A_CANT \"notify\" method", r->owner->c->name->s_name, name->s_name);
        long before = r->notified;
        int d = enter(r->owner, NULL, "notify");
        AS(fn_notify, m->fn)(r->owner->x, name, msg, b, b);
        leave(d);
        if (r->notified == before)
            fatal("%s.notify did not pass \"%s\" of buffer~ %s on to buffer_ref_notify", r->owner->c->name->s_name, msg->s_name, name->s_name);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* ITM (the global transport) and paths                                                        */

static double itm_ticks_now(void) {
    return g_itm.running ? g_itm.ticks0 + (g_now - g_itm.t0) * g_itm.tempo / 60000.0 * 480.0 : g_itm.ticks0;
}
static void itm_rebase(void) { g_itm.ticks0 = itm_ticks_now(); g_itm.t0 = g_now; }
static void check_itm(const char *fn, void *itm) {
    API(fn);
    if (itm != &g_itm) fatal("%s on %p, which is not what itm_getglobal answered, in %s", fn, itm, where());
}
void *itm_getglobal(void) { HOST; API("itm_getglobal"); return &g_itm; }
double itm_getticks(void *itm) { HOST; check_itm("itm_getticks", itm); return itm_ticks_now(); }
double itm_gettempo(void *itm) { HOST; check_itm("itm_gettempo", itm); return g_itm.tempo; }
long itm_getstate(void *itm) { HOST; check_itm("itm_getstate", itm); return g_itm.running; }
void itm_gettimesignature(void *itm, long *num, long *denom) { HOST;
    check_itm("itm_gettimesignature", itm);
    if (num) *num = g_itm.num;
    if (denom) *denom = g_itm.den;
}

#define DEFAULT_PATH 1
#define SEARCH_PATH0 2
short path_getdefault(void) { HOST; API("path_getdefault"); return DEFAULT_PATH; }
/* the folder of a path id: the patcher's, or one of the search path (NULL: none) */
static const char *path_folder(short id) {
    if (id == DEFAULT_PATH) return g_patcher;
    if (id >= SEARCH_PATH0 && (size_t)(id - SEARCH_PATH0) < g_nsearch) return g_search[id - SEARCH_PATH0];
    return NULL;
}
t_max_err path_toabsolutesystempath(const short in_path, const char *in_filename, char *out_filepath) { HOST;
    API("path_toabsolutesystempath");
    if (!out_filepath) fatal("path_toabsolutesystempath with a NULL output in %s", where());
    out_filepath[0] = 0;
    const char *dir = path_folder(in_path);
    if (!dir) return -1;   /* MAX_ERR_GENERIC */
    const char *f = in_filename ? in_filename : "";
    int n = snprintf(out_filepath, MAX_PATH_CHARS, "%s%s%s", dir, *f ? "/" : "", f);
    if (n < 0 || n >= MAX_PATH_CHARS) { out_filepath[0] = 0; return -1; }
    return 0;
}
/* a file (not a folder) NAME in the folder of path id ID */
static int file_in(short id, const char *name) {
    const char *dir = path_folder(id);
    char full[MAX_PATH_CHARS];
    struct stat st;
    if (!dir) return 0;
    int n = snprintf(full, sizeof full, "%s/%s", dir, name);
    return n > 0 && n < (int)sizeof full && stat(full, &st) == 0 && S_ISREG(st.st_mode);
}
/* Max finds a file by name in the patcher's folder, then in its search path (every folder of
   the packages in it); 0 found (*outvol its folder), 1 not. Files only, as in Max; the type
   list is not checked. */
short locatefile_extended(char *name, short *outvol, uint32_t *outtype, const uint32_t *filetypelist, short numtypes) { HOST;
    API("locatefile_extended");
    (void)filetypelist; (void)numtypes;
    if (!name || !outvol) fatal("locatefile_extended with a NULL name or outvol in %s", where());
    if (!memchr(name, 0, MAX_PATH_CHARS)) fatal("locatefile_extended: a name longer than MAX_PATH_CHARS in %s", where());
    if (outtype) *outtype = 0;
    if (!*name) return 1;
    if (file_in(DEFAULT_PATH, name)) { *outvol = DEFAULT_PATH; return 0; }
    for (size_t i = 0; i < g_nsearch; i++)
        if (file_in((short)(SEARCH_PATH0 + i), name)) { *outvol = (short)(SEARCH_PATH0 + i); return 0; }
    return 1;
}
/* -search DIR: DIR and every folder below it, depth first, in name order */
static void add_search(const char *dir) {
    if (g_nsearch >= 30000) return;
    PUSH(g_search, g_nsearch, g_capsearch, xstrdup(dir));
    struct dirent **names;
    int n = scandir(dir, &names, NULL, alphasort);
    for (int i = 0; i < n; i++) {
        char sub[MAX_PATH_CHARS];
        struct stat st;
        int k = snprintf(sub, sizeof sub, "%s/%s", dir, names[i]->d_name);
        if (names[i]->d_name[0] != '.' && k > 0 && k < (int)sizeof sub && stat(sub, &st) == 0 && S_ISDIR(st.st_mode))
            add_search(sub);
        free(names[i]);
    }
    if (n >= 0) free(names);
}

/* ------------------------------------------------------------------------------------------ */
/* DSP                                                                                         */

static const uint64_t UNWRITTEN = 0x7ff8dead0000beefULL;   /* a NaN payload no math makes */

void z_dsp_setup(t_pxobject *x, long nsignals) { HOST;
    API("z_dsp_setup");
    mobj *o = live_obj(x);
    if (!o) fatal("z_dsp_setup on %p, which is not a live object, in %s", (void *)x, where());
    if (!o->c->dsp) fatal("z_dsp_setup on %s, a class without class_dspinit", o->c->name->s_name);
    if (nsignals < 0 || nsignals > 256) fatal("z_dsp_setup(%s, %ld)", o->c->name->s_name, nsignals);
    o->dsp_setup = 1; o->nsig_in = nsignals;
}

static void remove_performs(mobj *o) {
    size_t j = 0;
    for (size_t i = 0; i < g_nperfs; i++)
        if (g_perfs[i].o != o) g_perfs[j++] = g_perfs[i];
    g_nperfs = j;
}

void z_dsp_free(t_pxobject *x) { HOST;
    API("z_dsp_free");
    mobj *o = live_obj(x);
    if (!o) fatal("z_dsp_free on %p, which is not a live object, in %s", (void *)x, where());
    if (!o->dsp_setup) fatal("z_dsp_free on %s without z_dsp_setup", o->c->name->s_name);
    o->dsp_freed = 1;
    remove_performs(o);
}

/* Only inside a dsp64 method, with the chain object it was given. */
void dsp_add64(t_object *chain, t_object *x, t_perfroutine64 f, long flags, void *userparam) { HOST;
    API("dsp_add64");
    if (!g_in_dsp64) fatal("dsp_add64 outside a dsp64 method in %s", where());
    if (chain != &g_chain) fatal("dsp_add64 with a chain other than the one dsp64 got in %s", where());
    mobj *o = live_obj(x);
    if (!o) fatal("dsp_add64 with %p, which is not a live object, in %s", (void *)x, where());
    if (!f) fatal("dsp_add64 without a perform routine in %s", where());
    mperf p = {o, x, f, flags, userparam};
    if (g_rebuilding) PUSH(g_build, g_nbuild, g_capbuild, p);
    else PUSH(g_perfs, g_nperfs, g_capperfs, p);
}

static void free_vectors(mobj *o) {
    for (long i = 0; o->ins && i < o->nsig_in; i++) free(o->ins[i]);
    for (int i = 0; o->outs && i < o->nsig_out; i++) free(o->outs[i]);
    free(o->ins); free(o->outs);
    o->ins = o->outs = NULL;
}

/* DSP on: MSP calls dsp64 on every signal object; nothing is connected in the mock. */
static void call_dsp64(mobj *o);
static void dsp_prepare(mobj *o) {
    free_vectors(o);
    remove_performs(o);
    if (!o->dsp_setup) fatal("%s did not call z_dsp_setup in its new method", o->c->name->s_name);
    o->nsig_out = 0;
    for (moutlet *p = o->outlets; p; p = p->next) o->nsig_out += p->is_signal;
    o->ins = xcalloc((size_t)o->nsig_in, sizeof(double *));
    o->outs = xcalloc((size_t)o->nsig_out, sizeof(double *));
    for (long i = 0; i < o->nsig_in; i++) o->ins[i] = xcalloc((size_t)g_vs, sizeof(double));
    for (int i = 0; i < o->nsig_out; i++) o->outs[i] = xcalloc((size_t)g_vs, sizeof(double));
    call_dsp64(o);
}

/* The object's dsp64 method (its signal vectors are allocated already). */
static void call_dsp64(mobj *o) {
    mmethod *m = find_method(o->c, S_dsp64);
    if (!m || m->type != A_CANT) { console("%s: no A_CANT dsp64 method, no signal processing", o->c->name->s_name); return; }
    short *count = xcalloc((size_t)(o->nsig_in + o->nsig_out + 1), sizeof(short));
    for (long i = 0; i < o->nsig_in && i < 8; i++) count[i] = o->play[i] != NULL;   /* connected */
    g_in_dsp64 = o;
    int d = enter(o, NULL, "dsp64");
    AS(fn_dsp64, m->fn)(o->x, &g_chain, count, g_sr, g_vs, 0);
    leave(d);
    g_in_dsp64 = NULL;
    free(count);
}

static void dsp_start(double sr, long vs) {
    g_sr = sr; g_vs = vs; g_dsp_on = 1; g_dsp_t0 = g_now; g_dsp_k = 0; g_nperfs = 0;
    for (size_t i = 0; i < g_nobjs; i++)
        if (g_objs[i]->alive && g_objs[i]->c->dsp) dsp_prepare(g_objs[i]);
}

/* One signal vector: every perform routine in the order dsp64 added them, in AUDIO. */
static void run_vector(void) {
    enum ctx saved = g_ctx;
    g_ctx = AUDIO;
    for (size_t i = 0; i < g_nperfs; i++) {
        mperf p = g_perfs[i];
        for (int c = 0; c < p.o->nsig_out; c++)
            for (long j = 0; j < g_vs; j++) memcpy(&p.o->outs[c][j], &UNWRITTEN, sizeof(double));
        /* Signal inlets: what `play` gave them, sample after sample, then zeros. */
        for (long c = 0; c < p.o->nsig_in && c < 8; c++)
            for (long j = 0; j < g_vs; j++)
                p.o->ins[c][j] = p.o->pplay[c] < p.o->nplay[c] ? (double)p.o->play[c][p.o->pplay[c]++] : 0.0;
        int d = enter(p.o, NULL, "perform");
        p.fn(p.x, &g_chain, p.o->ins, p.o->nsig_in, p.o->outs, p.o->nsig_out, g_vs, p.flags, p.up);
        leave(d);
        /* MSP's signal vectors are shared and reused: what a perform leaves unwritten is noise. */
        for (int c = 0; c < p.o->nsig_out; c++)
            for (long j = 0; j < g_vs; j++)
                if (!memcmp(&p.o->outs[c][j], &UNWRITTEN, sizeof(double)))
                    fatal("%s.perform left sample %ld of signal outlet %d unwritten", p.o->c->name->s_name, j, c);
    }
    g_ctx = saved;
    for (size_t i = 0; i < g_nobjs; i++) {
        mobj *o = g_objs[i];
        if (!o->alive || !o->recording || !o->nsig_out) continue;
        for (long j = 0; j < g_vs; j++)
            for (int c = 0; c < o->nsig_out; c++) PUSH(o->rec, o->nrec, o->caprec, (float)o->outs[c][j]);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Running things in time                                                                      */

static long g_spins;                   /* events without time moving: catches endless loops */
static void spin(void) {
    if (++g_spins > 1000000) fatal("more than a million clocks/qelems at %.6f ms without time moving (an endless loop?)", g_now);
}

/* The main thread's low-priority queue: qelems, defer_low, buffer~ notifications. */
static void run_queue(void) {
    enum ctx saved = g_ctx;
    g_ctx = MAIN;
    while (g_qhead) {
        qitem *it = g_qhead;
        g_qhead = it->next;
        if (!g_qhead) g_qtail = NULL;
        spin();
        if (it->q) {
            mqelem *q = it->q;
            if (q->alive && q->pending) {
                q->pending = 0;
                int d = enter(q->owner, NULL, "qelem");
                AS(fn_x, q->fn)(q->obj);
                leave(d);
            }
        } else if (it->buf) {
            it->buf->mod_pending = 0;
            if (it->buf->alive) notify_holders(it->buf->name, S_modified, it->buf);
        } else {
            if (it->obrec && !it->obrec->alive)
                fatal("a defer_low for %s %s was still queued when the object was freed", it->obrec->c->name->s_name, it->obrec->id ? it->obrec->id : "-");
            int d = enter(it->obrec ? it->obrec : current_obj(), NULL, "defer_low");
            AS(fn_gimme, it->fn)(it->ob, it->sym, it->argc, it->argv);
            leave(d);
            free(it->argv);
        }
        free(it);
    }
    g_ctx = saved;
}

static mclock *next_clock(void) {
    mclock *best = NULL;
    for (size_t i = 0; i < g_nclocks; i++) {
        mclock *k = g_clocks[i];
        if (k->alive && k->armed && (!best || k->when < best->when || (k->when == best->when && k->seq < best->seq))) best = k;
    }
    return best;
}

/* advance MS: clocks in time order (in SCHEDULER), signal vectors at their times (a vector at
 * t after the clocks due at or before t), the queue after each of them. */
static void advance(double ms) {
    double end = g_now + ms;
    g_spins = 0;
    run_queue();
    for (;;) {
        mclock *k = next_clock();
        double tc = k ? k->when : INFINITY;
        double tv = g_dsp_on ? g_dsp_t0 + (double)g_dsp_k * (double)g_vs * 1000.0 / g_sr : INFINITY;
        int clock_first = tc <= tv;            /* ties: the clocks due at t, then the vector */
        double t = clock_first ? tc : tv;
        if (clock_first ? t > end : t >= end) break;
        if (t > g_now) { g_now = t; g_spins = 0; }
        if (clock_first) {
            k->armed = 0;
            spin();
            g_ctx = SCHEDULER;
            int d = enter(k->owner, NULL, "clock");
            AS(fn_x, k->fn)(k->obj);
            leave(d);
            g_ctx = MAIN;
        } else {
            run_vector();
            g_dsp_k++;
        }
        run_queue();
    }
    if (end > g_now) g_now = end;
    run_queue();
}

/* ------------------------------------------------------------------------------------------ */
/* Messages from the script: Max's dispatch                                                    */

static double atom_num(const t_atom *a) {
    return a->a_type == A_FLOAT ? a->a_w.w_float : a->a_type == A_LONG ? (double)a->a_w.w_long : 0.0;
}

static void call_method(mobj *o, mmethod *m, t_symbol *sel, long argc, t_atom *argv) {
    const t_atom *a = argc > 0 ? &argv[0] : NULL;
    short t = m->type;
    if (m->ntypes == 1 && t != A_GIMME && a && (a->a_type == A_SYM) != (t == A_SYM || t == A_DEFSYM)) {
        console("%s: bad arguments for message \"%s\"", o->c->name->s_name, sel->s_name);
        return;
    }
    int d = enter(o, NULL, sel->s_name);     /* a crash reads "CLASS.SELECTOR" */
    if (t == A_GIMME) AS(fn_gimme, m->fn)(o->x, sel, argc, argv);
    else if (m->ntypes == 0) AS(fn_x, m->fn)(o->x);
    else if (t == A_LONG || t == A_DEFLONG) AS(fn_xl, m->fn)(o->x, a ? (t_atom_long)atom_num(a) : 0);
    else if (t == A_FLOAT || t == A_DEFFLOAT) AS(fn_xd, m->fn)(o->x, a ? atom_num(a) : 0.0);
    else AS(fn_xs, m->fn)(o->x, a ? a->a_w.w_sym : S_empty);
    leave(d);
}

/* A method a message can reach (A_CANT methods are for Max only). */
static mmethod *msg_method(mclass *c, t_symbol *name) {
    mmethod *m = find_method(c, name);
    return m && m->type != A_CANT ? m : NULL;
}

/* Max: a method named SEL; for int/float/list the numeric fallbacks (int -> float -> list,
 * float -> int -> list); then an attribute named SEL; then "anything"; else the console. */
static void dispatch(mobj *o, t_symbol *sel, long argc, t_atom *argv) {
    mclass *c = o->c;
    mmethod *m = msg_method(c, sel);
    if (m) { call_method(o, m, sel, argc, argv); return; }
    t_symbol *chain[2] = {NULL, NULL};
    if (sel == S_int) { chain[0] = S_float; chain[1] = S_list; }
    else if (sel == S_float) { chain[0] = S_int; chain[1] = S_list; }
    for (int i = 0; i < 2; i++)
        if (chain[i] && (m = msg_method(c, chain[i]))) { call_method(o, m, chain[i], argc, argv); return; }
    mattr *a = find_attr(c, sel);
    if (a && !(a->flags & (ATTR_SET_OPAQUE | ATTR_SET_OPAQUE_USER))) { set_attr(o, a, argc, argv); return; }
    if (sel == S_getattr && argc >= 1 && argv[0].a_type == A_SYM && (a = find_attr(c, argv[0].a_w.w_sym))) { dump_attr(o, a); return; }
    if (!strncmp(sel->s_name, "get", 3) && (a = find_attr(c, gensym(sel->s_name + 3)))) { dump_attr(o, a); return; }
    if ((m = msg_method(c, S_anything))) { call_method(o, m, sel, argc, argv); return; }
    console("%s: doesn't understand \"%s\"", c->name->s_name, sel->s_name);
}

/* ------------------------------------------------------------------------------------------ */
/* Loading and making objects                                                                  */

static int is_loaded(const char *real) {
    for (size_t i = 0; i < g_nloaded; i++)
        if (!strcmp(g_loaded[i], real)) return 1;
    return 0;
}

/* Like Max looking for CLASS.mxo in its search path: the first CLASS.so in the -path folders. */
static mclass *load_class(t_symbol *name) {
    mclass *c = find_class(name);
    if (c) return c;
    for (size_t i = 0; i < g_npaths; i++) {
        char file[4096], real[PATH_MAX];
        snprintf(file, sizeof file, "%s/%s.so", g_paths[i], name->s_name);
        struct stat st;
        if (stat(file, &st) || !realpath(file, real) || is_loaded(real)) continue;
        PUSH(g_loaded, g_nloaded, g_caploaded, xstrdup(real));
        void *lib = dlopen(real, RTLD_NOW | RTLD_LOCAL);
        if (!lib) fatal("cannot load %s: %s", file, dlerror());
        fn_ext_main ext_main = AS(fn_ext_main, dlsym(lib, "ext_main"));
        if (!ext_main) fatal("%s has no ext_main", file);
        g_ctx = MAIN;
        int d = enter(NULL, NULL, "ext_main");
        static mclass loading;      /* so a crash reads "crash in CLASS.ext_main" */
        loading.name = name;
        g_stack[d - 1].c = &loading;
        ext_main(NULL);
        leave(d);
        if (!(c = find_class(name))) fatal("ext_main did not register %s", name->s_name);
        return c;
    }
    return NULL;
}

static void object_new(const char *id, t_symbol *name, long argc, t_atom *argv) {
    mclass *c = load_class(name);
    if (!c) { console("newobj: %s: No such object", name->s_name); printf("@%.6f refused %s\n", g_now, id); return; }
    g_new_id = id;
    int d = enter(NULL, c, "new");
    void *x = c->newtype == A_GIMME ? AS(fn_new_gimme, c->mnew)(name, argc, argv) : AS(fn_new_void, c->mnew)();
    mobj *made = g_stack[d - 1].o;
    leave(d);
    g_new_id = NULL;
    if (!x) {
        if (made && made->alive) fatal("%s's new returned NULL without object_free on the object it allocated", name->s_name);
        printf("@%.6f refused %s\n", g_now, id);
        return;
    }
    mobj *o = live_obj(x);
    if (!o || o != made) fatal("%s's new returned %p, not the object object_alloc made for it", name->s_name, x);
    if (c->dsp && !o->dsp_setup) fatal("%s did not call z_dsp_setup in its new method", name->s_name);
    printf("@%.6f created %s\n", g_now, id);
    /* Max asks for the help text of every inlet and outlet (hovering in a patcher). */
    mmethod *m = find_method(c, S_assist);
    if (!m || m->type != A_CANT) console("%s: no A_CANT assist method", name->s_name);
    int nin = c->dsp && o->nsig_in > 1 ? (int)o->nsig_in : 1, nout = 0;
    for (moutlet *p = o->outlets; p; p = p->next) nout++;
    for (int io = 1; m && m->type == A_CANT && io <= 2; io++)
        for (int i = 0; i < (io == 1 ? nin : nout); i++) {
            char s[ASSIST_LEN + 64];
            memset(s, 0x5a, sizeof s);
            s[0] = 0;
            int dd = enter(o, NULL, "assist");
            AS(fn_assist, m->fn)(o->x, NULL, io, i, s);
            leave(dd);
            for (size_t k = ASSIST_LEN; k < sizeof s; k++)
                if (s[k] != 0x5a) fatal("%s.assist wrote past the %d bytes Max gives it", name->s_name, ASSIST_LEN);
            if (!memchr(s, 0, ASSIST_LEN)) fatal("%s.assist left the string without a NUL in %d bytes", name->s_name, ASSIST_LEN);
            if (!s[0]) fatal("%s.assist gave no text for %s %d", name->s_name, io == 1 ? "inlet" : "outlet", i);
            printf("@%.6f assist %s %s %d %s\n", g_now, id, io == 1 ? "in" : "out", i, s);
        }
    if (g_dsp_on && c->dsp) dsp_prepare(o);
}

/* object_free on an object: its free method, then what Max would trip over later. */
static void free_object(mobj *o) {
    if (!o->alive) fatal("object_free on a %s that was already freed, in %s", o->c->name->s_name, where());
    if (o->c->mfree) {
        int d = enter(o, NULL, "free");
        AS(fn_x, o->c->mfree)(o->x);
        leave(d);
    }
    const char *cn = o->c->name->s_name;
    /* Max would fire them on freed memory. */
    for (size_t i = 0; i < g_nclocks; i++)
        if (g_clocks[i]->alive && g_clocks[i]->owner == o) fatal("%s.free leaked a clock (object_free it in the free method)", cn);
    for (size_t i = 0; i < g_nqelems; i++)
        if (g_qelems[i]->alive && g_qelems[i]->owner == o) fatal("%s.free leaked a qelem (qelem_free it in the free method)", cn);
    for (size_t i = 0; i < g_nrefs; i++)
        if (g_refs[i]->alive && g_refs[i]->owner == o) fatal("%s.free leaked a buffer_ref (object_free it in the free method)", cn);
    /* MSP would keep calling the perform routine of a freed object. */
    if (o->c->dsp && o->dsp_setup && !o->dsp_freed) fatal("%s.free did not call z_dsp_free", cn);
    remove_performs(o);
    free_vectors(o);
    o->alive = 0;
    memset(o->x, 0xdb, (size_t)o->c->size);   /* poisoned, never reused: a stale pointer shows */
}

/* ------------------------------------------------------------------------------------------ */
/* The script                                                                                  */

typedef struct { char *text; int quoted; } token;

static size_t tokenize(char *line, token *toks, size_t max) {
    size_t n = 0;
    char *p = line;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') p++;
        if (!*p || *p == '#') return n;
        if (n == max) script_error("more than %zu words", max);
        if (*p == '"') {
            char *out = ++p;
            toks[n].text = out; toks[n].quoted = 1;
            while (*p && *p != '"') {
                if (*p == '\\' && p[1]) p++;
                *out++ = *p++;
            }
            if (*p != '"') script_error("unterminated quote");
            p++;
            *out = 0;
        } else {
            toks[n].text = p; toks[n].quoted = 0;
            while (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n') p++;
            if (*p) *p++ = 0;
        }
        n++;
    }
}

static t_atom parse_atom(const token *t) {
    t_atom a;
    char *end;
    const char *s = t->text;
    if (!t->quoted && *s) {
        long long l = strtoll(s, &end, 10);
        if (!*end && (s[0] == '-' || s[0] == '+' || (s[0] >= '0' && s[0] <= '9'))) { a.a_type = A_LONG; a.a_w.w_long = (t_atom_long)l; return a; }
        double f = strtod(s, &end);
        if (!*end && (s[0] == '-' || s[0] == '+' || s[0] == '.' || (s[0] >= '0' && s[0] <= '9')) && isfinite(f)) {
            a.a_type = A_FLOAT; a.a_w.w_float = f; return a;
        }
    }
    a.a_type = A_SYM; a.a_w.w_sym = gensym(s);
    return a;
}

static double num_arg(const token *t, const char *what) {
    t_atom a = parse_atom(t);
    if (a.a_type == A_SYM) script_error("%s must be a number, not \"%s\"", what, t->text);
    return atom_num(&a);
}

static mobj *find_id(const char *id) {
    for (size_t i = g_nobjs; i-- > 0;)
        if (g_objs[i]->alive && g_objs[i]->id && !strcmp(g_objs[i]->id, id)) return g_objs[i];
    script_error("no live object %s", id);
}
static mbuffer *find_buffer_arg(const char *name) {
    mbuffer *b = find_buffer(gensym(name));
    if (!b) script_error("no buffer~ %s", name);
    return b;
}

static void need(size_t n, size_t want, const char *usage) { if (n < want) script_error("usage: %s", usage); }

static void write_floats(const char *path, const float *v, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(v, sizeof(float), n, f) != n || fclose(f)) script_error("cannot write %s", path);
}

/* ------------------------------------------------------------------------------------------ */
/* stress: real MAIN, SCHEDULER and AUDIO threads at once                                      */

/* A message a stress thread sends over and over (`stress_main`, `stress_sched`). */
typedef struct smsg { char *id; mobj *o; t_symbol *sel; long ac; t_atom *av; } smsg;
static smsg *g_smain; static size_t g_nsmain, g_capsmain;
static smsg *g_ssched; static size_t g_nssched, g_capssched;
static int g_stop;                     /* under g_mx: the stress threads end */
static long g_n_main, g_n_sched, g_n_clocks, g_n_vectors, g_n_rebuilds;

/* Let the other Max threads run for `ms` of real time. */
static void host_nap(double ms) {
    t_held = 0;
    pthread_mutex_unlock(&g_mx);
    struct timespec ts = {(time_t)(ms / 1000), (long)(fmod(ms, 1000) * 1e6)};
    nanosleep(&ts, NULL);
    pthread_mutex_lock(&g_mx);
    t_held = 1;
}

/* MSP rebuilds the chain (an edit in the patcher, a new object) while the audio thread still
 * runs the old one: every dsp64 again, then the new chain replaces the old. */
static void dsp_rebuild(void) {
    g_rebuilding = 1;
    g_nbuild = 0;
    for (size_t i = 0; i < g_nobjs; i++) {
        mobj *o = g_objs[i];
        if (o->alive && o->c->dsp && o->outs && !o->dsp_freed) call_dsp64(o);
    }
    g_rebuilding = 0;
    mperf *p = g_perfs; size_t n = g_nperfs, cap = g_capperfs;
    g_perfs = g_build; g_nperfs = g_nbuild; g_capperfs = g_capbuild;
    g_build = p; g_nbuild = n; g_capbuild = cap;
    g_n_rebuilds++;
}


/* SCHEDULER: the clocks when they are due in real time, and a `stress_sched` message every
 * millisecond (MIDI input with Overdrive on). */
static void *sched_thread(void *arg) {
    (void)arg;
    t_max_thread = 1;
    g_ctx = SCHEDULER;
    host_acquire();
    size_t j = 0;
    double next_msg = g_now;
    while (!g_stop) {
        sync_now();
        for (int fired = 0; fired < 1000; fired++) {
            mclock *k = next_clock();
            if (!k || k->when > g_now) break;
            k->armed = 0;
            int d = enter(k->owner, NULL, "clock");
            AS(fn_x, k->fn)(k->obj);
            leave(d);
            g_n_clocks++;
            sync_now();
        }
        if (g_nssched && g_now >= next_msg) {
            smsg *m = &g_ssched[j++ % g_nssched];
            if (m->o->alive) dispatch(m->o, m->sel, m->ac, m->av);
            g_n_sched++;
            next_msg = g_now + 1.0;
        }
        host_nap(0.2);
    }
    t_held = 0;
    pthread_mutex_unlock(&g_mx);
    return NULL;
}

/* AUDIO: a signal vector at twice real time while DSP is on. */
static void *audio_thread(void *arg) {
    (void)arg;
    t_max_thread = 1;
    g_ctx = AUDIO;
    host_acquire();
    while (!g_stop) {
        if (g_dsp_on) { run_vector(); g_dsp_k++; g_n_vectors++; }
        host_nap((double)g_vs * 1000.0 / g_sr / 2.0);
    }
    t_held = 0;
    pthread_mutex_unlock(&g_mx);
    return NULL;
}

/* stress MS: MS ms of real time with MAIN (this thread: the `stress_main` messages in turn,
 * the main queue, a DSP rebuild every 25 ms while DSP is on), SCHEDULER and AUDIO at once. */
static void stress(double ms) {
    for (size_t i = 0; i < g_nsmain; i++) g_smain[i].o = find_id(g_smain[i].id);
    for (size_t i = 0; i < g_nssched; i++) g_ssched[i].o = find_id(g_ssched[i].id);
    g_n_main = g_n_sched = g_n_clocks = g_n_vectors = g_n_rebuilds = 0;
    g_stress = 1; g_stress_t0 = mono_ms(); g_stress_base = g_now; g_stop = 0;
    pthread_t sched, audio;
    if (pthread_create(&sched, NULL, sched_thread, NULL) || pthread_create(&audio, NULL, audio_thread, NULL)) {
        fputs("mockmax: cannot start the stress threads\n", stderr);
        _exit(2);
    }
    size_t i = 0;
    double next_rebuild = g_now + 25.0;
    for (;;) {
        sync_now();
        g_spins = 0;
        if (g_now - g_stress_base >= ms) break;
        if (g_nsmain) {
            smsg *m = &g_smain[i++ % g_nsmain];
            if (m->o->alive) dispatch(m->o, m->sel, m->ac, m->av);
            g_n_main++;
        }
        run_queue();
        if (g_dsp_on && g_now >= next_rebuild) { dsp_rebuild(); next_rebuild = g_now + 25.0; }
        host_nap(0.5);
    }
    g_stop = 1;
    t_held = 0;
    pthread_mutex_unlock(&g_mx);
    pthread_join(sched, NULL);
    pthread_join(audio, NULL);
    pthread_mutex_lock(&g_mx);
    t_held = 1;
    g_stress = 0;
    run_queue();
    printf("@%.6f stressed %.0f ms: %ld main messages, %ld scheduler messages, %ld clocks, %ld vectors, %ld dsp rebuilds\n",
           g_now, ms, g_n_main, g_n_sched, g_n_clocks, g_n_vectors, g_n_rebuilds);
    g_nsmain = g_nssched = 0;
}

/* `ID SEL args...` as a message (a first word that is a number: int, float or list). */
static smsg parse_msg(token *t, size_t n) {
    smsg m = {xstrdup(t[0].text), NULL, NULL, 0, xcalloc(n, sizeof(t_atom))};
    for (size_t i = 1; i < n; i++) m.av[i - 1] = parse_atom(&t[i]);
    m.ac = (long)n - 1;
    if (m.av[0].a_type == A_SYM) { m.sel = m.av[0].a_w.w_sym; m.ac--; memmove(m.av, m.av + 1, (size_t)m.ac * sizeof *m.av); }
    else m.sel = m.ac > 1 ? S_list : m.av[0].a_type == A_LONG ? S_int : S_float;   /* "5" is int 5 */
    return m;
}

static void command(token *t, size_t n) {
    const char *cmd = t[0].text;
    if (!strcmp(cmd, "new")) {
        need(n, 3, "new ID CLASS args...");
        for (size_t i = 0; i < g_nobjs; i++)
            if (g_objs[i]->alive && g_objs[i]->id && !strcmp(g_objs[i]->id, t[1].text)) script_error("%s exists already", t[1].text);
        t_atom *av = xcalloc(n, sizeof *av);
        for (size_t i = 3; i < n; i++) av[i - 3] = parse_atom(&t[i]);
        object_new(xstrdup(t[1].text), gensym(t[2].text), (long)n - 3, av);
        free(av);
    } else if (!strcmp(cmd, "send") || !strcmp(cmd, "sendsched")) {
        need(n, 3, "send ID SEL args...");
        mobj *o = find_id(t[1].text);
        smsg m = parse_msg(t + 1, n - 1);
        g_ctx = strcmp(cmd, "send") ? SCHEDULER : MAIN;
        dispatch(o, m.sel, m.ac, m.av);
        g_ctx = MAIN;
        free(m.av);
        free(m.id);
    } else if (!strcmp(cmd, "stress_main") || !strcmp(cmd, "stress_sched")) {
        need(n, 3, "stress_main|stress_sched ID SEL args...");
        find_id(t[1].text);
        smsg m = parse_msg(t + 1, n - 1);
        if (!strcmp(cmd, "stress_main")) PUSH(g_smain, g_nsmain, g_capsmain, m);
        else PUSH(g_ssched, g_nssched, g_capssched, m);
    } else if (!strcmp(cmd, "stress")) {
        need(n, 2, "stress MS");
        double ms = num_arg(&t[1], "MS");
        if (ms < 0 || ms > 60000) script_error("stress MS: 0..60000");
        stress(ms);
    } else if (!strcmp(cmd, "attrtype")) {
        need(n, 3, "attrtype ID NAME");
        mobj *o = find_id(t[1].text);
        mattr *a = find_attr(o->c, gensym(t[2].text));
        if (!a) script_error("%s has no attribute %s", o->c->name->s_name, t[2].text);
        printf("@%.6f attrtype %s %s %s %zu\n", g_now, t[1].text, t[2].text, a->type->s_name, attr_size(a->type));
    } else if (!strcmp(cmd, "getattr")) {
        need(n, 3, "getattr ID NAME");
        mobj *o = find_id(t[1].text);
        mattr *a = find_attr(o->c, gensym(t[2].text));
        if (!a) script_error("%s has no attribute %s", o->c->name->s_name, t[2].text);
        long ac = 0;
        t_atom *av = NULL, one;
        get_attr(o, a, &ac, &av, &one);
        printf("@%.6f attr %s %s", g_now, t[1].text, t[2].text);
        print_atoms(ac, av);
        printf("\n");
        if (av != &one) free(av);
    } else if (!strcmp(cmd, "saved")) {
        need(n, 2, "saved ID");
        mobj *o = find_id(t[1].text);
        /* What Max stores in the patcher for this box: each attribute flagged "save", in order. */
        for (size_t i = 0; i < o->c->nattrs; i++) {
            mattr *a = o->c->attrs[i];
            if (!a->save) continue;
            long ac = 0;
            t_atom *av = NULL, one;
            get_attr(o, a, &ac, &av, &one);
            printf("@%.6f saved %s %s", g_now, t[1].text, a->name->s_name);
            print_atoms(ac, av);
            printf("\n");
            if (av != &one) free(av);
        }
    } else if (!strcmp(cmd, "free")) {
        need(n, 2, "free ID");
        free_object(find_id(t[1].text));
        printf("@%.6f freed %s\n", g_now, t[1].text);
    } else if (!strcmp(cmd, "advance")) {
        need(n, 2, "advance MS");
        double ms = num_arg(&t[1], "MS");
        if (ms < 0) script_error("time only goes forward");
        advance(ms);
    } else if (!strcmp(cmd, "sleep")) {
        /* Real time passes, logical time does not: for objects' worker threads. */
        need(n, 2, "sleep MS");
        double ms = num_arg(&t[1], "MS");
        if (ms < 0 || ms > 60000) script_error("sleep MS: 0..60000");
        struct timespec ts = {(time_t)(ms / 1000), (long)(fmod(ms, 1000) * 1e6)};
        nanosleep(&ts, NULL);
    } else if (!strcmp(cmd, "dsp")) {
        need(n, 2, "dsp on SR VECTORSIZE | dsp off");
        if (!strcmp(t[1].text, "off")) { g_dsp_on = 0; g_nperfs = 0; return; }
        need(n, 4, "dsp on SR VECTORSIZE");
        double sr = num_arg(&t[2], "SR"), vs = num_arg(&t[3], "VECTORSIZE");
        if (strcmp(t[1].text, "on") || sr <= 0 || vs < 1 || vs > 8192) script_error("usage: dsp on SR VECTORSIZE");
        dsp_start(sr, (long)vs);
    } else if (!strcmp(cmd, "record")) {
        need(n, 2, "record ID");
        find_id(t[1].text)->recording = 1;
    } else if (!strcmp(cmd, "play")) {
        need(n, 4, "play ID INLET PATH");
        mobj *o = find_id(t[1].text);
        double in = num_arg(&t[2], "INLET");
        if (in < 0 || in >= 8 || in >= o->nsig_in) script_error("%s has no signal inlet %g", t[1].text, in);
        FILE *f = fopen(t[3].text, "rb");
        if (!f) script_error("cannot read %s", t[3].text);
        float *v = NULL; size_t nv = 0, cap = 0; float xv;
        while (fread(&xv, sizeof xv, 1, f) == 1) PUSH(v, nv, cap, xv);
        fclose(f);
        int k = (int)in;
        free(o->play[k]);
        o->play[k] = v; o->nplay[k] = nv; o->pplay[k] = 0;
        if (g_dsp_on && o->c->dsp) dsp_prepare(o);   /* now connected: MSP rebuilds the chain */
    } else if (!strcmp(cmd, "sigdump")) {
        need(n, 3, "sigdump ID PATH");
        mobj *o = find_id(t[1].text);
        write_floats(t[2].text, o->rec, o->nrec);
        o->nrec = 0;
    } else if (!strcmp(cmd, "buffer")) {
        need(n, 4, "buffer NAME CHANNELS FRAMES [SR]");
        t_symbol *name = gensym(t[1].text);
        if (find_buffer(name)) script_error("buffer~ %s exists already", t[1].text);
        double ch = num_arg(&t[2], "CHANNELS"), fr = num_arg(&t[3], "FRAMES");
        if (ch < 1 || ch > 64 || fr < 0) script_error("bad buffer~ size");
        mbuffer *b = xcalloc(1, sizeof *b);
        b->ob.o_magic = MAGIC;
        b->name = name; b->sr = n > 4 ? num_arg(&t[4], "SR") : g_sr; b->alive = 1;
        alloc_samples(b, (long)ch, (long)fr);
        PUSH(g_bufs, g_nbufs, g_capbufs, b);
        reg_put(b, K_BUFFER, b);
        notify_holders(name, S_binding, b);
    } else if (!strcmp(cmd, "buffer_read")) {
        need(n, 3, "buffer_read NAME PATH");
        mbuffer *b = find_buffer_arg(t[1].text);
        FILE *f = fopen(t[2].text, "rb");
        if (!f) script_error("cannot read %s", t[2].text);
        float *v = NULL; size_t nv = 0, cap = 0; float x;
        while (fread(&x, sizeof x, 1, f) == 1) PUSH(v, nv, cap, x);
        fclose(f);
        alloc_samples(b, b->chans, (long)(nv / (size_t)b->chans));
        if (nv) memcpy(b->samples, v, (size_t)b->frames * (size_t)b->chans * sizeof(float));
        free(v);
        buffer_changed(b);
    } else if (!strcmp(cmd, "buffer_write")) {
        need(n, 3, "buffer_write NAME PATH");
        mbuffer *b = find_buffer_arg(t[1].text);
        write_floats(t[2].text, b->samples, (size_t)b->frames * (size_t)b->chans);
    } else if (!strcmp(cmd, "buffer_delete")) {
        need(n, 2, "buffer_delete NAME");
        mbuffer *b = find_buffer_arg(t[1].text);
        b->alive = 0;                  /* gone for buffer_ref_getobject before the holders hear */
        notify_holders(b->name, S_unbinding, b);
        free(b->samples);
        b->samples = NULL;
    } else if (!strcmp(cmd, "buffer_rename")) {
        need(n, 3, "buffer_rename OLD NEW");
        mbuffer *b = find_buffer_arg(t[1].text);
        t_symbol *old = b->name, *nu = gensym(t[2].text);
        if (find_buffer(nu)) script_error("buffer~ %s exists already", t[2].text);
        b->name = nu;
        notify_holders(old, S_unbinding, b);
        notify_holders(nu, S_binding, b);
    } else if (!strcmp(cmd, "buffer_info")) {
        need(n, 2, "buffer_info NAME");
        mbuffer *b = find_buffer_arg(t[1].text);
        printf("@%.6f buffer %s %ld %ld %.9g %d\n", g_now, b->name->s_name, b->chans, b->frames, b->sr, b->dirty);
    } else if (!strcmp(cmd, "transport")) {
        need(n, 2, "transport tempo BPM | start | stop | locate TICKS | timesig N D");
        const char *w = t[1].text;
        if (!strcmp(w, "tempo")) { need(n, 3, "transport tempo BPM"); itm_rebase(); g_itm.tempo = num_arg(&t[2], "BPM"); }
        else if (!strcmp(w, "start")) { itm_rebase(); g_itm.running = 1; }
        else if (!strcmp(w, "stop")) { itm_rebase(); g_itm.running = 0; }
        else if (!strcmp(w, "locate")) { need(n, 3, "transport locate TICKS"); g_itm.ticks0 = num_arg(&t[2], "TICKS"); g_itm.t0 = g_now; }
        else if (!strcmp(w, "timesig")) { need(n, 4, "transport timesig N D"); g_itm.num = (long)num_arg(&t[2], "N"); g_itm.den = (long)num_arg(&t[3], "D"); }
        else script_error("unknown transport command %s", w);
    } else if (!strcmp(cmd, "patcher")) {
        need(n, 2, "patcher DIR");
        free(g_patcher);
        g_patcher = xstrdup(t[1].text);
    } else if (!strcmp(cmd, "dict_read")) {
        need(n, 3, "dict_read NAME FILE");
        FILE *f = fopen(t[2].text, "rb");
        if (!f) script_error("dict_read: cannot open %s", t[2].text);
        size_t cap = 4096, len = 0; char *text = xcalloc(cap, 1);
        for (size_t got; (got = fread(text + len, 1, cap - len - 1, f)) > 0;) {
            len += got;
            if (len + 1 == cap) { cap *= 2; text = xrealloc(text, cap); }
        }
        fclose(f);
        text[len] = 0;
        char err[256];
        mdict *d = dict_from_json(text, err, sizeof err);
        free(text);
        if (!d) script_error("dict_read %s: %s", t[2].text, err);
        t_symbol *name = gensym(t[1].text);
        mdict *old = find_registered(name);
        if (old) free_dict(old, 0);
        dictobj_register((t_object *)d, &name);
        printf("@%.6f dict_read %s %zu keys\n", g_now, t[1].text, d->n);
    } else if (!strcmp(cmd, "dicts")) {
        long retained = 0;
        for (size_t i = 0; i < g_ndicts; i++) retained += g_dicts[i]->retains;
        printf("@%.6f dicts %zu registered, %ld retained, %ld key lists out\n", g_now, g_ndicts, retained, g_keylists);
    } else if (!strcmp(cmd, "expect_fatal")) {
        g_expect_fatal = 1;
    } else {
        script_error("unknown command %s", cmd);
    }
}

int main(int argc, char **argv) {
    const char *script = "-";
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-path") && i + 1 < argc) PUSH(g_paths, g_npaths, g_cappaths, argv[++i]);
        else if (!strcmp(argv[i], "-patcher") && i + 1 < argc) g_patcher = xstrdup(argv[++i]);
        else if (!strcmp(argv[i], "-search") && i + 1 < argc) add_search(argv[++i]);
        else if (!strcmp(argv[i], "-windows")) g_long_size = 4;
        else if (argv[i][0] == '-' && argv[i][1]) { fprintf(stderr, "usage: mockmax [-path DIR]... [-patcher DIR] [-search DIR]... [-windows] [SCRIPT|-]\n"); return 2; }
        else script = argv[i];
    }
    FILE *in = strcmp(script, "-") ? fopen(script, "r") : stdin;
    if (!in) { fprintf(stderr, "mockmax: cannot open %s\n", script); return 2; }
    setvbuf(stdout, NULL, _IOLBF, 0);
    t_max_thread = 1;
    host_acquire();                   /* the script's thread runs host code: it holds the mutex */
    install_crash_handlers();
    g_itm.ob.o_magic = MAGIC;
    reg_put(&g_itm, K_ITM, &g_itm);
    S_int = gensym("int"); S_float = gensym("float"); S_list = gensym("list"); S_bang = gensym("bang");
    S_anything = gensym("anything"); S_box = gensym("box"); S_long = gensym("long"); S_atom_long = gensym("atom_long");
    S_float64 = gensym("float64"); S_float32 = gensym("float32"); S_symbol = gensym("symbol");
    S_char = gensym("char"); S_atom = gensym("atom"); S_empty = gensym("");
    S_sizeinsamps = gensym("sizeinsamps"); S_notify = gensym("notify"); S_assist = gensym("assist");
    S_dsp64 = gensym("dsp64"); S_binding = gensym("globalsymbol_binding");
    S_unbinding = gensym("globalsymbol_unbinding"); S_modified = gensym("buffer_modified");
    S_dumpout = gensym("dumpout"); S_getattr = gensym("getattr");

    char *line = NULL;
    size_t cap = 0;
    token toks[1024];
    while (getline(&line, &cap, in) >= 0) {
        g_line++;
        size_t n = tokenize(line, toks, sizeof toks / sizeof *toks);
        if (n) command(toks, n);
    }
    /* Closing the patcher: every object is freed, with the same checks. */
    for (size_t i = 0; i < g_nobjs; i++)
        if (g_objs[i]->alive && g_objs[i]->id) free_object(g_objs[i]);
    if (g_expect_fatal) { g_expect_fatal = 0; fatal("expect_fatal, but nothing was fatal"); }
    printf("@%.6f end\n", g_now);
    fflush(stdout);
    _exit(0);
}
