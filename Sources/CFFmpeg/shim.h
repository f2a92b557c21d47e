// FFmpeg's decoding libraries (Debian: libavformat-dev, libavcodec-dev, libavutil-dev, libswresample-dev),
// plus the function-like macros Swift cannot import, as inline functions.
#ifndef GENREKIT_CFFMPEG_SHIM_H
#define GENREKIT_CFFMPEG_SHIM_H
#include <errno.h>
#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libavutil/avutil.h>
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
#include <libswresample/swresample.h>

static inline int genrekit_averror_eagain(void) { return AVERROR(EAGAIN); }
static inline int genrekit_averror_eof(void) { return AVERROR_EOF; }
static inline int64_t genrekit_av_nopts(void) { return AV_NOPTS_VALUE; }
#endif
