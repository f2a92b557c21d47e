import Foundation

/// A dense float32 array read from or written to NumPy's `.npy` format (version 1.0, little-endian `<f4`,
/// C order). Float64 (`<f8`) and float16 (`<f2`) files are read and converted to float32.
public struct NPYArray: Sendable, Equatable {
    /// Dimensions, outermost first (NumPy's `shape`).
    public var shape: [Int]
    /// Values in C (row-major) order.
    public var values: [Float]

    public init(shape: [Int], values: [Float]) {
        precondition(shape.reduce(1, *) == values.count, "shape \(shape) does not match \(values.count) values")
        self.shape = shape; self.values = values
    }

    /// Errors reading an `.npy` file.
    public enum Error: Swift.Error, CustomStringConvertible {
        case notNPY(String)
        case unsupported(String, String)
        public var description: String {
            switch self {
            case .notNPY(let p): return "\(p): not a NumPy .npy file"
            case .unsupported(let p, let what): return "\(p): unsupported .npy content (\(what)); save float32/float64 in C order"
            }
        }
    }

    /// Reads a `.npy` file.
    public init(contentsOf path: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let bytes = [UInt8](data)
        guard bytes.count >= 10, bytes[0] == 0x93, bytes[1...5].elementsEqual("NUMPY".utf8) else { throw Error.notNPY(path) }
        let major = bytes[6]
        let headerLen: Int, start: Int
        if major == 1 { headerLen = Int(bytes[8]) | Int(bytes[9]) << 8; start = 10 }
        else {
            headerLen = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24; start = 12
        }
        let header = String(decoding: bytes[start..<(start + headerLen)], as: UTF8.self)
        func field(_ key: String) -> String? {
            guard let r = header.range(of: "'\(key)':") else { return nil }
            return String(header[r.upperBound...]).trimmingCharacters(in: .whitespaces)
        }
        guard let descrField = field("descr"), let shapeField = field("shape") else { throw Error.notNPY(path) }
        let descr = descrField.split(separator: "'")[0]
        let fortranOrder = field("fortran_order")?.hasPrefix("True") ?? false
        let inside = shapeField.dropFirst().prefix { $0 != ")" }
        let shape = inside.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        let count = shape.reduce(1, *)
        let body = start + headerLen
        var values = [Float](repeating: 0, count: count)
        switch descr {
        case "<f4":
            guard bytes.count >= body + 4 * count else { throw Error.unsupported(path, "file shorter than its shape") }
            values.withUnsafeMutableBytes { dst in bytes.withUnsafeBytes { src in
                dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: src[body..<(body + 4 * count)])) } }
        case "<f8":
            guard bytes.count >= body + 8 * count else { throw Error.unsupported(path, "file shorter than its shape") }
            bytes.withUnsafeBytes { src in
                for i in 0..<count { values[i] = Float(src.loadUnaligned(fromByteOffset: body + 8 * i, as: Double.self)) } }
        case "<f2":
            guard bytes.count >= body + 2 * count else { throw Error.unsupported(path, "file shorter than its shape") }
            bytes.withUnsafeBytes { src in
                for i in 0..<count { values[i] = Half.toFloat(src.loadUnaligned(fromByteOffset: body + 2 * i, as: UInt16.self)) } }
        case "<i8", "<i4":
            let w = descr == "<i8" ? 8 : 4
            bytes.withUnsafeBytes { src in
                for i in 0..<count {
                    values[i] = w == 8 ? Float(src.loadUnaligned(fromByteOffset: body + 8 * i, as: Int64.self))
                        : Float(src.loadUnaligned(fromByteOffset: body + 4 * i, as: Int32.self))
                }
            }
        default: throw Error.unsupported(path, "dtype \(descr)")
        }
        if fortranOrder && shape.count > 1 { values = NPYArray.cOrder(fromFortran: values, shape: shape) }
        self.init(shape: shape, values: values)
    }

    /// Reorders column-major (Fortran) values into row-major order.
    static func cOrder(fromFortran values: [Float], shape: [Int]) -> [Float] {
        var out = [Float](repeating: 0, count: values.count)
        var index = [Int](repeating: 0, count: shape.count)
        var fStrides = [Int](repeating: 1, count: shape.count)
        for d in 1..<shape.count { fStrides[d] = fStrides[d - 1] * shape[d - 1] }
        for i in 0..<values.count {      // i walks C order; index is its multi-index
            var src = 0
            for d in 0..<shape.count { src += index[d] * fStrides[d] }
            out[i] = values[src]
            var d = shape.count - 1
            while d >= 0 { index[d] += 1; if index[d] < shape[d] { break }; index[d] = 0; d -= 1 }
        }
        return out
    }

    /// The `.npy` bytes of this array (`<f4`, C order).
    public func npyData() -> Data {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shapeText), }"
        let total = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - total % 64) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        let n = header.utf8.count
        data.append(contentsOf: [UInt8(n & 0xff), UInt8(n >> 8)])
        data.append(contentsOf: Array(header.utf8))
        values.withUnsafeBytes { data.append(contentsOf: $0) }
        return data
    }

    /// Writes the array as `.npy`.
    public func write(to path: String) throws {
        try npyData().write(to: URL(fileURLWithPath: path))
    }
}
