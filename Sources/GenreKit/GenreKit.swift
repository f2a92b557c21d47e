/// GenreKit: music genre classification and auto-tagging by transfer learning.
///
/// `import GenreKit` brings in every layer of the library, in data-flow order:
/// audio decoding, DSP front end, tensor engine, pre-trained models, learning and evaluation.
@_exported import GenreKitAudio
@_exported import GenreKitDSP
@_exported import GenreKitNN
@_exported import GenreKitModels
@_exported import GenreKitLearning
@_exported import GenreKitCharts
