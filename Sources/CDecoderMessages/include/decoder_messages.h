#ifndef GENREKIT_DECODER_MESSAGES_H
#define GENREKIT_DECODER_MESSAGES_H
#include <stddef.h>

/// Starts (on != 0) or stops capturing what the calling thread writes to stderr through stdio
/// (libmpg123's "Note:" and "Warning:" lines, printed from inside libsndfile). Other threads are not affected.
void genrekit_capture_stderr(int on);
/// Copies the calling thread's captured text (NUL-terminated, at most size - 1 bytes) and clears it; returns its length.
size_t genrekit_take_captured_stderr(char *out, size_t size);
#endif
