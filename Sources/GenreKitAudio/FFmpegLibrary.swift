import CFFmpeg
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// FFmpeg's decoding functions, resolved at run time: libavutil, libswresample, libavcodec and libavformat are opened
/// with `dlopen` the first time a file needs FFmpeg (``shared``), not when the process starts.
///
/// Linked at start, FFmpeg pulls in about 120 shared libraries (its codecs' and protocols' dependencies: libjxl, libx265,
/// GnuTLS, …) and their constructors, ≈ 35 ms of CPU per process, which every `genrekit` command paid although most
/// files (WAV, FLAC, OGG, MP3) are read by libsndfile. Each field's type is the header's own declaration
/// (`genrekit_fn_<name>`, made with `__typeof__` in the `CFFmpeg` shim), and the library names come from the headers'
/// version macros, so the table always matches the headers GenreKit was compiled against.
///
/// Symbol lookup and the casts to function types live here (and, for the three `va_list` logging functions, in
/// ``FFmpegLog``).
struct FFmpegLibrary: @unchecked Sendable {
    let avformat_open_input: genrekit_fn_avformat_open_input
    let avformat_close_input: genrekit_fn_avformat_close_input
    let avformat_find_stream_info: genrekit_fn_avformat_find_stream_info
    let av_find_best_stream: genrekit_fn_av_find_best_stream
    let av_read_frame: genrekit_fn_av_read_frame
    let avcodec_get_name: genrekit_fn_avcodec_get_name
    let avcodec_find_decoder: genrekit_fn_avcodec_find_decoder
    let avcodec_alloc_context3: genrekit_fn_avcodec_alloc_context3
    let avcodec_parameters_to_context: genrekit_fn_avcodec_parameters_to_context
    let avcodec_free_context: genrekit_fn_avcodec_free_context
    let avcodec_open2: genrekit_fn_avcodec_open2
    let avcodec_send_packet: genrekit_fn_avcodec_send_packet
    let avcodec_receive_frame: genrekit_fn_avcodec_receive_frame
    let av_packet_alloc: genrekit_fn_av_packet_alloc
    let av_packet_free: genrekit_fn_av_packet_free
    let av_packet_unref: genrekit_fn_av_packet_unref
    let av_dict_set: genrekit_fn_av_dict_set
    let av_dict_free: genrekit_fn_av_dict_free
    let av_frame_alloc: genrekit_fn_av_frame_alloc
    let av_frame_free: genrekit_fn_av_frame_free
    let av_frame_unref: genrekit_fn_av_frame_unref
    let av_channel_layout_uninit: genrekit_fn_av_channel_layout_uninit
    let av_channel_layout_default: genrekit_fn_av_channel_layout_default
    let av_channel_layout_copy: genrekit_fn_av_channel_layout_copy
    let av_channel_layout_compare: genrekit_fn_av_channel_layout_compare
    let av_strerror: genrekit_fn_av_strerror
    /// The three logging functions take a `va_list`, whose C type Swift cannot read back from a compiled module (the
    /// compiler crashes loading such a member into another module, e.g. the tests): kept as raw symbols, cast to
    /// `genrekit_fn_av_log_…` where they are called (``FFmpegLog``).
    let av_log_set_callback_symbol: UnsafeMutableRawPointer
    let av_log_default_callback_symbol: UnsafeMutableRawPointer
    let av_log_format_line2_symbol: UnsafeMutableRawPointer
    let swr_alloc_set_opts2: genrekit_fn_swr_alloc_set_opts2
    let swr_init: genrekit_fn_swr_init
    let swr_free: genrekit_fn_swr_free
    let swr_get_out_samples: genrekit_fn_swr_get_out_samples
    let swr_convert: genrekit_fn_swr_convert

    /// The libraries, dependencies first, by the sonames of the headers' major versions (Debian 12: `libavutil.so.57`,
    /// `libswresample.so.4`, `libavcodec.so.59`, `libavformat.so.59`).
    static let libraryNames: [String] = [
        soname("avutil", LIBAVUTIL_VERSION_MAJOR), soname("swresample", LIBSWRESAMPLE_VERSION_MAJOR),
        soname("avcodec", LIBAVCODEC_VERSION_MAJOR), soname("avformat", LIBAVFORMAT_VERSION_MAJOR),
    ]

    /// Debian's runtime packages holding ``libraryNames`` (`libavutil57`, …), for the message when they are missing.
    static let packageNames: [String] = [
        "libavutil\(LIBAVUTIL_VERSION_MAJOR)", "libswresample\(LIBSWRESAMPLE_VERSION_MAJOR)",
        "libavcodec\(LIBAVCODEC_VERSION_MAJOR)", "libavformat\(LIBAVFORMAT_VERSION_MAJOR)",
    ]

    private static func soname(_ name: String, _ major: Int32) -> String {
        #if canImport(Darwin)
        return "lib\(name).\(major).dylib"
        #else
        return "lib\(name).so.\(major)"
        #endif
    }

    /// The process's FFmpeg, opened on first use (thread-safe; once per process, kept open).
    static let shared: Result<FFmpegLibrary, FFmpegUnavailable> = Result { () throws(FFmpegUnavailable) in
        try FFmpegLibrary(libraries: libraryNames)
    }

    /// FFmpeg when its libraries can be opened; else the one-line reason and what to install.
    static func load() throws(FFmpegUnavailable) -> FFmpegLibrary { try shared.get() }

    /// Opens `libraries` (in order; each stays open for the life of the process) and resolves every function.
    init(libraries: [String]) throws(FFmpegUnavailable) {
        var handles: [UnsafeMutableRawPointer] = []
        for name in libraries {
            guard let h = dlopen(name, RTLD_NOW | RTLD_LOCAL) else {
                throw FFmpegUnavailable(library: name, reason: FFmpegLibrary.lastDLError())
            }
            handles.append(h)
        }
        func fn<T>(_ name: String) throws(FFmpegUnavailable) -> T {
            for h in handles.reversed() {
                if let p = dlsym(h, name) { return unsafeBitCast(p, to: T.self) }
            }
            throw FFmpegUnavailable(library: libraries.joined(separator: ", "), reason: "no function \(name)")
        }
        avformat_open_input = try fn("avformat_open_input")
        avformat_close_input = try fn("avformat_close_input")
        avformat_find_stream_info = try fn("avformat_find_stream_info")
        av_find_best_stream = try fn("av_find_best_stream")
        av_read_frame = try fn("av_read_frame")
        avcodec_get_name = try fn("avcodec_get_name")
        avcodec_find_decoder = try fn("avcodec_find_decoder")
        avcodec_alloc_context3 = try fn("avcodec_alloc_context3")
        avcodec_parameters_to_context = try fn("avcodec_parameters_to_context")
        avcodec_free_context = try fn("avcodec_free_context")
        avcodec_open2 = try fn("avcodec_open2")
        avcodec_send_packet = try fn("avcodec_send_packet")
        avcodec_receive_frame = try fn("avcodec_receive_frame")
        av_packet_alloc = try fn("av_packet_alloc")
        av_packet_free = try fn("av_packet_free")
        av_packet_unref = try fn("av_packet_unref")
        av_dict_set = try fn("av_dict_set")
        av_dict_free = try fn("av_dict_free")
        av_frame_alloc = try fn("av_frame_alloc")
        av_frame_free = try fn("av_frame_free")
        av_frame_unref = try fn("av_frame_unref")
        av_channel_layout_uninit = try fn("av_channel_layout_uninit")
        av_channel_layout_default = try fn("av_channel_layout_default")
        av_channel_layout_copy = try fn("av_channel_layout_copy")
        av_channel_layout_compare = try fn("av_channel_layout_compare")
        av_strerror = try fn("av_strerror")
        av_log_set_callback_symbol = try fn("av_log_set_callback")
        av_log_default_callback_symbol = try fn("av_log_default_callback")
        av_log_format_line2_symbol = try fn("av_log_format_line2")
        swr_alloc_set_opts2 = try fn("swr_alloc_set_opts2")
        swr_init = try fn("swr_init")
        swr_free = try fn("swr_free")
        swr_get_out_samples = try fn("swr_get_out_samples")
        swr_convert = try fn("swr_convert")
    }

    private static func lastDLError() -> String {
        guard let e = dlerror() else { return "cannot be opened" }
        return String(cString: e)
    }

    /// Whether `library` (a file name such as `libavformat.so.59`) is mapped into this process right now, without
    /// loading it.
    static func isLoaded(_ library: String) -> Bool {
        guard let h = dlopen(library, RTLD_NOW | RTLD_NOLOAD) else { return false }
        dlclose(h)
        return true
    }
}

/// FFmpeg's libraries could not be opened (not installed, or another major version than GenreKit was built for).
struct FFmpegUnavailable: Error, CustomStringConvertible, Equatable {
    /// The library that failed to open, or the libraries searched for a missing function.
    var library: String
    /// The dynamic linker's reason.
    var reason: String

    /// One line: what failed, which files need FFmpeg, and what to install.
    var description: String {
        let reason = reason.split(whereSeparator: \.isNewline).joined(separator: " ")
        return "FFmpeg is not available (\(reason)); files libsndfile cannot open (M4A/AAC, ALAC, WMA, WavPack, APE, WebM, …) "
            + "need it: apt-get install \(FFmpegLibrary.packageNames.joined(separator: " ")) (or run scripts/setup.sh)"
    }
}
