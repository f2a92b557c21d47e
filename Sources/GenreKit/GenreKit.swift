/// GenreKit: music genre classification and auto-tagging by transfer learning.
///
/// `import GenreKit` brings in every module of the library: the core (seeded generator, float16, BLAS threads,
/// SHA-256, NPY and float blobs, `Locked`), audio decoding, DSP front end, tensor engine, pre-trained models,
/// learning and evaluation.
@_exported import GenreKitCore
@_exported import GenreKitAudio
@_exported import GenreKitDSP
@_exported import GenreKitNN
@_exported import GenreKitModels
@_exported import GenreKitLearning
@_exported import GenreKitCharts
