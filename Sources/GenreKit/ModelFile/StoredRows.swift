import Foundation
import GenreKitCore
import GenreKitDSP
import GenreKitLearning

/// A compact sample of a tagger's training rows kept in its model file, so that `genrekit enroll` can fit a new
/// tag's probe against them (as negatives) without the training audio.
///
/// Rows are stored as float16 (little-endian, base64 in the JSON body): 2 bytes per value, e.g. 200 rows of the
/// 753-dimensional `MSD_musicnn:max_pool` windows take ≈ 300 KB (≈ 400 KB as base64). Float16 keeps 3 significant
/// digits, far finer than the spread of standardised features. Each row keeps the tag indices of its song, so a
/// tag being replaced does not count its own songs as negatives.
public struct StoredRows: Codable, Sendable, Equatable {
    /// Rows of the model's training level (windows or song vectors), `count × dimension`.
    public var count: Int
    public var dimension: Int
    /// Tag indices (into the model's labels) of each row's song.
    public var tags: [[Int]]
    /// The values as float16 bits.
    public var half: Data

    /// The default number of rows kept by `genrekit train --task tagging`.
    public static let defaultLimit = 200

    /// Packs `values` (`count × dimension`, row-major).
    public init(values: [Float], count: Int, dimension: Int, tags: [[Int]]) {
        precondition(values.count == count * dimension && tags.count == count, "StoredRows: shape mismatch")
        self.count = count; self.dimension = dimension; self.tags = tags
        var data = Data(count: values.count * 2)
        data.withUnsafeMutableBytes { raw in
            for (i, v) in values.enumerated() { raw.storeBytes(of: Half.fromFloat(v).littleEndian, toByteOffset: 2 * i, as: UInt16.self) }
        }
        half = data
    }

    /// The rows as a matrix (float16 values widened exactly).
    public var matrix: Matrix {
        let values: [Double] = half.withUnsafeBytes { raw in
            (0..<count * dimension).map { Double(Half.toFloat(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self)))) }
        }
        return Matrix(rows: count, cols: dimension, values: values)
    }
}
