internal import CCrypto

/// A running SHA-1 digest (OpenSSL's, which uses the CPU's SHA instructions where present).
///
/// Git names objects and checksums packs with SHA-1. libgit2 uses the collision-detecting
/// SHA-1 (SHA1DC), which runs at about a sixth of this speed here; docs/STORAGE-PACKS.md says
/// why the plain digest is safe for the objects mgit writes itself.
package struct SHA1 {
    private var context = SHA_CTX()

    package init() {
        SHA1_Init(&context)
    }

    /// Feeds `bytes` into the digest.
    package mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        SHA1_Update(&context, base, bytes.count)
    }

    /// Feeds `bytes` into the digest.
    package mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Ends the digest and returns the 20-byte result; the digest must not be used afterwards.
    package mutating func finish() -> ObjectID {
        var id = ObjectID.zero
        withUnsafeMutableBytes(of: &id.bytes) { out in
            _ = SHA1_Final(out.baseAddress!.assumingMemoryBound(to: UInt8.self), &context)
        }
        return id
    }
}
