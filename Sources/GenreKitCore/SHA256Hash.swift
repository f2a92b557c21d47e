import CCrypto
import Foundation

/// SHA-256 (FIPS 180-4) through OpenSSL's libcrypto, used to key cached features by the content of an audio file
/// rather than its path. libcrypto runs the CPU's SHA extensions where it has them (about 1.8 GB/s per core on this
/// project's machines, nine times the plain-Swift loop it replaces).
///
/// Feed bytes with ``update(_:)`` in pieces of any size, then read ``finalize()``; or use ``hex(of:)``
/// (GenreKit adds `hexDigest(ofFileAt:)`, which streams a file in 1 MiB blocks). A value type: a copy carries
/// on from the state it was copied in, independently of the original.
public struct SHA256Hash: @unchecked Sendable {
    /// One `EVP_MD_CTX`, freed with its box; copied before a write when shared (copy on write).
    private final class Context {
        let ctx: OpaquePointer

        init() {
            guard let c = EVP_MD_CTX_new() else { fatalError("SHA256Hash: out of memory (EVP_MD_CTX_new)") }
            ctx = c
            Self.check(EVP_DigestInit_ex(ctx, EVP_sha256(), nil), "EVP_DigestInit_ex")
        }

        init(copying other: Context) {
            guard let c = EVP_MD_CTX_new() else { fatalError("SHA256Hash: out of memory (EVP_MD_CTX_new)") }
            ctx = c
            Self.check(EVP_MD_CTX_copy_ex(ctx, other.ctx), "EVP_MD_CTX_copy_ex")
        }

        deinit { EVP_MD_CTX_free(ctx) }

        /// libcrypto's calls fail only without memory or without SHA-256 itself, neither of which a caller can fix.
        static func check(_ status: Int32, _ call: String) {
            if status != 1 { fatalError("SHA256Hash: \(call) failed in libcrypto") }
        }
    }

    private var context = Context()

    public init() {}

    private mutating func uniqueContext() -> OpaquePointer {
        if !isKnownUniquelyReferenced(&context) { context = Context(copying: context) }
        return context.ctx
    }

    /// Adds `bytes` to the message.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        Context.check(EVP_DigestUpdate(uniqueContext(), base, bytes.count), "EVP_DigestUpdate")
    }

    /// Adds `bytes` to the message.
    public mutating func update<D: DataProtocol>(_ bytes: D) {
        for region in bytes.regions { region.withUnsafeBytes { update($0) } }
    }

    /// Returns the 32-byte digest of the message so far and starts a new, empty message.
    public mutating func finalize() -> [UInt8] {
        let ctx = uniqueContext()
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        digest.withUnsafeMutableBufferPointer { Context.check(EVP_DigestFinal_ex(ctx, $0.baseAddress, &length), "EVP_DigestFinal_ex") }
        precondition(length == 32, "SHA256Hash: libcrypto returned a \(length)-byte SHA-256 digest")
        Context.check(EVP_DigestInit_ex(ctx, EVP_sha256(), nil), "EVP_DigestInit_ex")
        return digest
    }

    /// Lower-case hexadecimal digest of `bytes`.
    public static func hex<D: DataProtocol>(of bytes: D) -> String {
        var s = SHA256Hash()
        s.update(bytes)
        return hexString(s.finalize())
    }

    /// Lower-case hexadecimal text of `bytes` (a ``finalize()`` digest).
    public static func hexString(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }
}
