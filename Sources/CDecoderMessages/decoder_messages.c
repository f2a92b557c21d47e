// Captures what C decoder libraries print on stderr while GenreKit decodes on this thread.
//
// libmpg123 (used by libsndfile for MP3) writes its "Note: ..." lines with fprintf/fwrite to stderr and offers no
// callback. These definitions replace the stdio entry points for the whole process: the linker puts an executable's
// definition of a symbol that a shared library in the link refers to into the dynamic symbol table by itself (no
// --export-dynamic needed; see Package.swift), so libmpg123's calls bind here. On a thread that is not capturing they
// forward to glibc unchanged.
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "decoder_messages.h"

extern int __vfprintf_chk(FILE *, int, const char *, va_list);
extern size_t _IO_fwrite(const void *, size_t, size_t, FILE *);

enum { CAPACITY = 4096 };
static _Thread_local char captured[CAPACITY];
static _Thread_local size_t captured_len;
static _Thread_local int capturing;

static void append(const char *s, size_t n) {
    if (n > CAPACITY - 1 - captured_len) n = CAPACITY - 1 - captured_len;   // keep the first messages, bounded
    memcpy(captured + captured_len, s, n);
    captured_len += n;
    captured[captured_len] = 0;
}

static int capture_vformat(const char *fmt, va_list ap) {
    char tmp[1024];
    int r = vsnprintf(tmp, sizeof tmp, fmt, ap);
    if (r > 0) append(tmp, (size_t)r < sizeof tmp ? (size_t)r : sizeof tmp - 1);
    return r;
}

int __fprintf_chk(FILE *fp, int flag, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int r = (capturing && fp == stderr) ? capture_vformat(fmt, ap) : __vfprintf_chk(fp, flag, fmt, ap);
    va_end(ap);
    return r;
}

int fprintf(FILE *fp, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int r = (capturing && fp == stderr) ? capture_vformat(fmt, ap) : vfprintf(fp, fmt, ap);
    va_end(ap);
    return r;
}

size_t fwrite(const void *p, size_t size, size_t n, FILE *fp) {
    if (capturing && fp == stderr) { append(p, size * n); return n; }
    return _IO_fwrite(p, size, n, fp);
}

void genrekit_capture_stderr(int on) { capturing = on; }

size_t genrekit_take_captured_stderr(char *out, size_t size) {
    size_t n = captured_len < size - 1 ? captured_len : size - 1;
    memcpy(out, captured, n);
    out[n] = 0;
    captured_len = 0;
    captured[0] = 0;
    return n;
}
