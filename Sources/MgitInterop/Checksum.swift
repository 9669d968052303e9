internal import CZlib

/// zlib's running checksums, as the pack and zlib stream formats need them.
package enum Checksum {
    /// The CRC-32 of `bytes` continued from `crc` (0 to start), as in pack index v2.
    package static func crc32(_ crc: UInt, _ bytes: UnsafeRawBufferPointer) -> UInt {
        CZlib.crc32_z(crc, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count)
    }

    /// The Adler-32 of `bytes` continued from `adler` (``adler32Initial`` to start), as zlib streams end with.
    package static func adler32(_ adler: UInt, _ bytes: UnsafeRawBufferPointer) -> UInt {
        CZlib.adler32_z(adler, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count)
    }

    /// Adler-32's starting value.
    package static var adler32Initial: UInt { CZlib.adler32_z(1, nil, 0) }
}
