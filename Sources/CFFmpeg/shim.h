// FFmpeg's decoding libraries (Debian: libavformat-dev, libavcodec-dev, libavutil-dev, libswresample-dev),
// plus the function-like macros Swift cannot import, as inline functions.
//
// The module links nothing: GenreKitAudio opens the libraries with dlopen when the first file needs FFmpeg
// (FFmpegLibrary.swift), so a process that never reads such a file does not load them and their ~130 dependencies.
// The function-pointer types below are taken from the declarations themselves (__typeof__), so the table filled with
// dlsym has exactly the signatures of these headers, and the library names come from their version macros.
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

#define GENREKIT_FFMPEG_FN(name) typedef __typeof__(&name) genrekit_fn_##name;
// libavformat
GENREKIT_FFMPEG_FN(avformat_open_input)
GENREKIT_FFMPEG_FN(avformat_close_input)
GENREKIT_FFMPEG_FN(avformat_find_stream_info)
GENREKIT_FFMPEG_FN(av_find_best_stream)
GENREKIT_FFMPEG_FN(av_read_frame)
// libavcodec
GENREKIT_FFMPEG_FN(avcodec_get_name)
GENREKIT_FFMPEG_FN(avcodec_find_decoder)
GENREKIT_FFMPEG_FN(avcodec_alloc_context3)
GENREKIT_FFMPEG_FN(avcodec_parameters_to_context)
GENREKIT_FFMPEG_FN(avcodec_free_context)
GENREKIT_FFMPEG_FN(avcodec_open2)
GENREKIT_FFMPEG_FN(avcodec_send_packet)
GENREKIT_FFMPEG_FN(avcodec_receive_frame)
GENREKIT_FFMPEG_FN(av_packet_alloc)
GENREKIT_FFMPEG_FN(av_packet_free)
GENREKIT_FFMPEG_FN(av_packet_unref)
// libavutil
GENREKIT_FFMPEG_FN(av_dict_set)
GENREKIT_FFMPEG_FN(av_dict_free)
GENREKIT_FFMPEG_FN(av_frame_alloc)
GENREKIT_FFMPEG_FN(av_frame_free)
GENREKIT_FFMPEG_FN(av_frame_unref)
GENREKIT_FFMPEG_FN(av_channel_layout_uninit)
GENREKIT_FFMPEG_FN(av_channel_layout_default)
GENREKIT_FFMPEG_FN(av_channel_layout_copy)
GENREKIT_FFMPEG_FN(av_channel_layout_compare)
GENREKIT_FFMPEG_FN(av_strerror)
GENREKIT_FFMPEG_FN(av_log_set_callback)
GENREKIT_FFMPEG_FN(av_log_default_callback)
GENREKIT_FFMPEG_FN(av_log_format_line2)
// libswresample
GENREKIT_FFMPEG_FN(swr_alloc_set_opts2)
GENREKIT_FFMPEG_FN(swr_init)
GENREKIT_FFMPEG_FN(swr_free)
GENREKIT_FFMPEG_FN(swr_get_out_samples)
GENREKIT_FFMPEG_FN(swr_convert)
#undef GENREKIT_FFMPEG_FN
#endif
