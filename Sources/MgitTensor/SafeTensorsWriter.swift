import MgitInterop

/// Streams a safetensors file tensor by tensor (export writes blobs one at a time without holding the checkpoint).
///
/// The header (``SafeTensors/header(for:metadata:)``) is written at once to a temporary file beside `path`;
/// ``append(_:)`` adds the tensors' bytes in entry order; ``finish()`` checks that every promised byte came,
/// fsyncs and renames the file over `path`, so readers never see a half-written checkpoint. A writer dropped
/// without ``finish()`` removes its temporary file. Not `Sendable`: it is one sequence of writes.
public final class SafeTensorsWriter {
    /// Writes smaller than this are gathered so that many small tensors do not cost a system call each.
    private static let bufferCapacity = 1 << 20

    private let path: String
    private let entries: [TensorEntry]
    /// The data section's promised length: the sum of the entries' byte counts.
    private let dataLength: Int
    private let file: ReplacementFile
    private var written = 0
    private var buffer: [UInt8] = []
    private var finished = false
    /// The write error that broke the file, if one did; ``finish()`` then refuses to rename it into place.
    private var failure: MgitError?

    /// Creates the temporary file beside `path` and writes the header for `entries` (in data order) and
    /// `metadata`.
    ///
    /// - Throws: `.invalidInput` for a repeated tensor name, a tensor called `__metadata__` or more bytes than
    ///   fit 64 bits; `.io` when the temporary file cannot be created or written.
    public init(path: String, entries: [TensorEntry], metadata: [String: String]) throws {
        var seen = Set<String>()
        var total = 0
        for entry in entries {
            if entry.name == "__metadata__" {
                throw MgitError(.invalidInput, "cannot write '\(path)': a tensor cannot be called '__metadata__', "
                    + "the safetensors header keeps that key for metadata; rename the tensor")
            }
            if !seen.insert(entry.name).inserted {
                throw MgitError(.invalidInput, "cannot write '\(path)': tensor '\(entry.name)' is listed twice")
            }
            let (sum, overflow) = total.addingReportingOverflow(entry.byteCount)
            if overflow {
                throw MgitError(.invalidInput, "cannot write '\(path)': the tensors hold more bytes than fit 64 bits")
            }
            total = sum
        }
        try OutputTarget.requireRegularOrAbsent(path)
        self.path = path
        self.entries = entries
        self.dataLength = total

        file = try ReplacementFile(replacing: path)
        buffer.reserveCapacity(Self.bufferCapacity)
        let header = SafeTensors.header(for: entries, metadata: metadata)
        try header.withUnsafeBytes { try writeFully($0) }
    }

    /// Appends the next bytes of tensor data: the tensors' raw little-endian bytes back to back in entry order,
    /// in as many calls as convenient.
    ///
    /// - Throws: `.invalidInput` when `bytes` would run past the data promised by the entries (nothing is
    ///   written then); `.io` when writing fails.
    public func append(_ bytes: UnsafeRawBufferPointer) throws {
        precondition(!finished, "append after finish")
        if bytes.count > dataLength - written {
            throw MgitError(.invalidInput, "cannot write '\(path)': \(bytes.count) more bytes of tensor data would "
                + "make \(written + bytes.count), but the entries promise \(dataLength)")
        }
        if let failure { throw failure }
        written += bytes.count
        do {
            if bytes.count >= Self.bufferCapacity {
                try flush()
                try writeFully(bytes)
                return
            }
            if buffer.count + bytes.count > Self.bufferCapacity { try flush() }
            buffer.append(contentsOf: bytes)
        } catch let error as MgitError {
            failure = error
            throw error
        }
    }

    /// Checks that all promised data was appended, fsyncs, and renames the file into place at `path`.
    ///
    /// - Throws: `.invalidInput` naming the first incomplete tensor when data is missing (the temporary file is
    ///   kept until the writer goes away, so the caller may append the rest and try again); `.io` when syncing
    ///   or renaming fails.
    public func finish() throws {
        precondition(!finished, "finish called twice")
        if let failure { throw failure }
        if written < dataLength {
            var end = 0
            var incomplete = entries.first?.name ?? "?"
            for entry in entries {
                end += entry.byteCount
                if end > written { incomplete = entry.name; break }
            }
            throw MgitError(.invalidInput, "cannot write '\(path)': only \(written) of \(dataLength) bytes of tensor "
                + "data were appended; tensor '\(incomplete)' is incomplete")
        }
        do {
            try flush()
        } catch let error as MgitError {
            failure = error
            throw error
        }
        try file.commit()
        finished = true
    }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes { try writeFully($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    private func writeFully(_ bytes: UnsafeRawBufferPointer) throws { try file.write(bytes) }
}
