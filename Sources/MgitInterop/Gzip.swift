import Foundation
internal import CZlib

/// Decompression of gzip files in process with zlib, for the Fashion-MNIST `.gz` files.
package enum Gzip {
    /// The decompressed bytes of a gzip stream (concatenated members are not supported).
    ///
    /// - Parameter source: Names the data in error messages.
    package static func decompress(_ data: [UInt8], source: String) throws -> [UInt8] {
        var stream = z_stream()
        // 16 + MAX_WBITS: expect a gzip header and trailer, not a raw zlib stream.
        guard mgit_inflate_init2(&stream, 16 + MAX_WBITS) == Z_OK else {
            throw MgitError(.io, "zlib could not start inflating \(source)")
        }
        defer { inflateEnd(&stream) }
        var output = [UInt8]()
        output.reserveCapacity(data.count * 4)
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var input = data
        let status: Int32 = input.withUnsafeMutableBufferPointer { inBuf in
            stream.next_in = inBuf.baseAddress
            stream.avail_in = UInt32(inBuf.count)
            while true {
                let rc: Int32 = chunk.withUnsafeMutableBufferPointer { outBuf in
                    stream.next_out = outBuf.baseAddress
                    stream.avail_out = UInt32(outBuf.count)
                    return inflate(&stream, Z_NO_FLUSH)
                }
                output.append(contentsOf: chunk[0..<(chunk.count - Int(stream.avail_out))])
                if rc == Z_STREAM_END { return rc }
                if rc != Z_OK { return rc }
                if stream.avail_in == 0 && stream.avail_out != 0 { return Z_BUF_ERROR }
            }
        }
        guard status == Z_STREAM_END else {
            let detail = stream.msg.map { String(cString: $0) } ?? "truncated or not gzip (zlib code \(status))"
            throw MgitError(.corrupt, "\(source) is not a valid gzip file: \(detail)")
        }
        return output
    }

    /// The decompressed bytes of the gzip file at `path`.
    package static func decompress(contentsOf path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MgitError(.io, "cannot read '\(path)'")
        }
        return try decompress([UInt8](data), source: "'\(path)'")
    }
}
