/*
 * mock.test: a tiny honest Max external for mockmax's self-test (mock_selftest.rs). Some
 * messages break Max's rules on purpose, to show that the host's checks fire.
 *
 * Build: cc -std=c11 -shared -fPIC -Wall -Wextra -Werror testext.c -o mock.test.so
 * (the Max functions are resolved from the mockmax executable when it loads the library).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Our own declarations of the few Max types and functions used (64-bit layouts). */
typedef intptr_t t_atom_long;
typedef t_atom_long t_max_err;
typedef void *(*method)(void *, ...);
typedef struct symbol { char *s_name; struct object *s_thing; } t_symbol;
typedef struct object { void *o_messlist; intptr_t o_magic; void *o_inlet; void *o_outlet; } t_object;
union word { t_atom_long w_long; double w_float; t_symbol *w_sym; t_object *w_obj; };
typedef struct atom { short a_type; union word a_w; } t_atom;
enum { A_NOTHING = 0, A_LONG, A_FLOAT, A_SYM, A_OBJ, A_DEFLONG, A_DEFFLOAT, A_DEFSYM, A_GIMME, A_CANT };
typedef struct t_pxobject {
    t_object z_ob; long z_in; void *z_proxy; long z_disabled; short z_count; short z_misc;
} t_pxobject;
typedef void (*t_perfroutine64)(t_object *, t_object *, double **, long, double **, long, long, long, void *);

t_symbol *gensym(const char *s);
void *class_new(const char *name, method mnew, method mfree, long size, method mmenu, short type, ...);
t_max_err class_addmethod(void *c, method m, const char *name, ...);
t_max_err class_register(t_symbol *name_space, void *c);
t_max_err class_addattr(void *c, t_object *attr);
t_object *attr_offset_new(const char *name, const t_symbol *type, long flags, method mget, method mset, long offset);
void attr_args_process(void *x, short ac, t_atom *av);
void class_dspinit(void *c);
void *object_alloc(void *c);
t_max_err object_free(void *x);
t_max_err object_method_typed(void *x, t_symbol *s, long ac, t_atom *av, t_atom *rv);
void object_post(t_object *x, const char *fmt, ...);
void *outlet_new(void *x, const char *type);
void *outlet_bang(void *o);
void *outlet_int(void *o, t_atom_long n);
void *outlet_float(void *o, double f);
void *outlet_list(void *o, t_symbol *s, short ac, t_atom *av);
void *outlet_anything(void *o, t_symbol *s, short ac, t_atom *av);
void *clock_new(void *obj, method fn);
void clock_fdelay(void *c, double ms);
void *qelem_new(void *obj, method fn);
void qelem_set(void *q);
void qelem_free(void *q);
void *defer_low(void *ob, method fn, t_symbol *sym, short argc, t_atom *argv);
short systhread_ismainthread(void);
short systhread_istimerthread(void);
long isr(void);
void z_dsp_setup(t_pxobject *x, long nsignals);
void z_dsp_free(t_pxobject *x);
void dsp_add64(t_object *chain, t_object *x, t_perfroutine64 f, long flags, void *userparam);
void *buffer_ref_new(t_object *self, t_symbol *name);
void *itm_getglobal(void);
double itm_getticks(void *itm);
double itm_gettempo(void *itm);
long itm_getstate(void *itm);
short path_getdefault(void);
t_max_err path_toabsolutesystempath(const short in_path, const char *in_filename, char *out_filepath);
void *buffer_ref_getobject(void *ref);
t_max_err buffer_ref_notify(void *ref, t_symbol *s, t_symbol *msg, void *sender, void *data);
float *buffer_locksamples(void *b);
void buffer_unlocksamples(void *b);
t_atom_long buffer_getchannelcount(void *b);
t_atom_long buffer_getframecount(void *b);

#define M(f) ((method)(void (*)(void))(f))

typedef struct {
    t_pxobject ob;
    void *sig_out, *msg_out, *clock, *qelem, *ref;
    double gain;
    int leak, skip_notify, audio_out, lazy;
} t_test;

static void *test_class;

static void test_tick(t_test *x) { outlet_bang(x->msg_out); }
static void test_q(t_test *x) { outlet_anything(x->msg_out, gensym("q"), 0, NULL); }
static void test_later(t_test *x, t_symbol *s, long argc, t_atom *argv) { outlet_anything(x->msg_out, s, (short)argc, argv); }

static void *test_new(t_symbol *s, long argc, t_atom *argv) {
    (void)s;
    t_test *x = object_alloc(test_class);
    z_dsp_setup(&x->ob, 1);
    x->msg_out = outlet_new(x, NULL);        /* created first: the rightmost outlet (1) */
    x->sig_out = outlet_new(x, "signal");    /* then the leftmost (0) */
    x->clock = clock_new(x, M(test_tick));
    x->qelem = qelem_new(x, M(test_q));
    x->ref = buffer_ref_new(&x->ob.z_ob, gensym(""));
    x->gain = 1.0;
    attr_args_process(x, (short)argc, argv);
    if (argc > 0 && argv[0].a_type == A_SYM && argv[0].a_w.w_sym == gensym("refuse")) {
        object_free(x);
        return NULL;
    }
    return x;
}

static void test_free(t_test *x) {
    if (!x->leak) object_free(x->clock);
    qelem_free(x->qelem);
    object_free(x->ref);
    z_dsp_free(&x->ob);
}

static void test_int(t_test *x, t_atom_long n) { outlet_int(x->msg_out, n * 2); }
static void test_bang(t_test *x) { clock_fdelay(x->clock, 10); }

static void test_perform(t_object *o, t_object *dsp64, double **ins, long numins, double **outs,
                         long numouts, long n, long flags, void *up) {
    (void)dsp64; (void)ins; (void)numins; (void)flags; (void)up;
    t_test *x = (t_test *)o;
    if (x->audio_out) outlet_bang(x->msg_out);   /* forbidden in the audio thread */
    for (long c = 0; c < numouts; c++)
        for (long i = x->lazy ? 1 : 0; i < n; i++) outs[c][i] = x->gain;
}

static void test_dsp64(t_test *x, t_object *dsp64, short *count, double sr, long maxvs, long flags) {
    (void)count; (void)sr; (void)maxvs; (void)flags;
    dsp_add64(dsp64, &x->ob.z_ob, test_perform, 0, NULL);
}

static void test_assist(t_test *x, void *b, long io, long index, char *s) {
    (void)x; (void)b;
    snprintf(s, 512, "%s %ld of mock.test", io == 1 ? "inlet" : "outlet", index);
}

static t_max_err test_notify(t_test *x, t_symbol *s, t_symbol *msg, void *sender, void *data) {
    outlet_anything(x->msg_out, msg, 0, NULL);
    return x->skip_notify ? 0 : buffer_ref_notify(x->ref, s, msg, sender, data);
}

/* Everything else goes through one A_GIMME method, by selector. */
static void test_anything(t_test *x, t_symbol *s, long argc, t_atom *argv) {
    const char *m = s->s_name;
    void *b = buffer_ref_getobject(x->ref);
    if (!strcmp(m, "threads")) {
        t_atom a[3] = {{A_LONG, {systhread_ismainthread()}}, {A_LONG, {systhread_istimerthread()}}, {A_LONG, {isr()}}};
        outlet_list(x->msg_out, NULL, 3, a);
    } else if (!strcmp(m, "itm")) {
        void *itm = itm_getglobal();
        t_atom a[3] = {{A_FLOAT, {.w_float = itm_getticks(itm)}}, {A_FLOAT, {.w_float = itm_gettempo(itm)}}, {A_LONG, {itm_getstate(itm)}}};
        outlet_list(x->msg_out, NULL, 3, a);
    } else if (!strcmp(m, "where")) {
        char path[2048];
        if (path_toabsolutesystempath(path_getdefault(), "f.wav", path) == 0)
            outlet_anything(x->msg_out, gensym("where"), 1, &(t_atom){A_SYM, {.w_sym = gensym(path)}});
    } else if (!strcmp(m, "qset")) {
        qelem_set(x->qelem);
    } else if (!strcmp(m, "defer")) {
        t_atom a = {A_LONG, {7}};
        defer_low(x, M(test_later), gensym("later"), 1, &a);
    } else if (!strcmp(m, "post")) {
        object_post(&x->ob.z_ob, "hello %d", 3);
    } else if (!strcmp(m, "set") && argc == 1 && argv[0].a_type == A_SYM) {
        object_free(x->ref);
        x->ref = buffer_ref_new(&x->ob.z_ob, argv[0].a_w.w_sym);
    } else if (!strcmp(m, "sum") || !strcmp(m, "nolock") || !strcmp(m, "overrun")) {
        if (!b) { outlet_anything(x->msg_out, gensym("nobuffer"), 0, NULL); return; }
        float *v = buffer_locksamples(b);
        long n = (long)(buffer_getframecount(b) * buffer_getchannelcount(b));
        double sum = 0;
        for (long i = 0; i < n; i++) sum += v[i];
        if (!strcmp(m, "overrun")) v[n] = 1.0f;    /* one past the end */
        if (strcmp(m, "nolock")) buffer_unlocksamples(b);
        outlet_float(x->msg_out, sum);
    } else if (!strcmp(m, "resize") && argc == 1 && b) {
        t_atom rv;
        object_method_typed(b, gensym("sizeinsamps"), 1, argv, &rv);
    } else if (!strcmp(m, "resizenull") && argc == 1 && b) {
        object_method_typed(b, gensym("sizeinsamps"), 1, argv, NULL);
    } else if (!strcmp(m, "leak")) {
        x->leak = 1;                       /* free will not free the clock */
    } else if (!strcmp(m, "skipnotify")) {
        x->skip_notify = 1;
    } else if (!strcmp(m, "audio_out")) {
        x->audio_out = 1;
    } else if (!strcmp(m, "lazy")) {
        x->lazy = 1;                       /* perform leaves sample 0 unwritten */
    } else if (!strcmp(m, "badsym")) {
        static t_symbol fake = {"fake", NULL};
        outlet_anything(x->msg_out, &fake, 0, NULL);
    } else if (!strcmp(m, "badsig")) {
        outlet_int(x->sig_out, 1);
    } else if (!strcmp(m, "crash")) {
        volatile uintptr_t address = 0;    /* a real wild write, not raise() */
        *(volatile int *)address = 1;
    } else {
        object_post(&x->ob.z_ob, "unknown %s", m);
    }
}

void ext_main(void *r) {
    (void)r;
    const char *mode = getenv("MOCK_TEST_EXT_MAIN");
    if (mode && !strcmp(mode, "none")) return;     /* registers nothing */
    void *c = class_new("mock.test", M(test_new), M(test_free), sizeof(t_test), NULL, A_GIMME, 0);
    class_addmethod(c, M(test_int), "int", A_LONG, 0);
    class_addmethod(c, M(test_bang), "bang", 0);
    class_addmethod(c, M(test_anything), "anything", A_GIMME, 0);
    class_addmethod(c, M(test_dsp64), "dsp64", A_CANT, 0);
    class_addmethod(c, M(test_assist), "assist", A_CANT, 0);
    class_addmethod(c, M(test_notify), "notify", A_CANT, 0);
    class_addattr(c, attr_offset_new("gain", gensym("float64"), 0, NULL, NULL, offsetof(t_test, gain)));
    class_dspinit(c);
    class_register(gensym("box"), c);
    if (mode && !strcmp(mode, "twice")) class_register(gensym("box"), c);
    if (mode && !strcmp(mode, "late")) class_addmethod(c, M(test_bang), "late", 0);
    test_class = c;
}
