import Foundation
import MgitInterop
import MgitStore

/// The storage settings of `.mgit/config` that commits use: how large tensors are chunked, how large a model
/// folder's other files may be.
extension Repository {
    /// The chunking the repository's config asks for (`storage.chunkSize`, default 32 MiB).
    ///
    /// - Throws: `.invalidInput` for a value that is not a whole number of bytes of at least 4096.
    package func tensorChunking() throws -> TensorChunking {
        guard let text = config.string(TensorChunking.configKey) else { return TensorChunking() }
        guard let limit = ByteSize.parse(text), limit >= TensorChunking.minimumLimit else {
            throw MgitError(.invalidInput, "config \(TensorChunking.configKey) is '\(text)'; give a size of at least "
                            + "\(TensorChunking.minimumLimit) bytes, e.g. 32MiB (mgit config \(TensorChunking.configKey) 32MiB)")
        }
        return TensorChunking(limit: limit)
    }

    /// The largest non-tensor file a folder commit takes (`commit.maxFileSize`, default 50 MiB).
    package func maxModelFileSize() throws -> Int {
        guard let text = config.string(ModelFolder.maxFileSizeKey) else { return ModelFolder.defaultMaxFileSize }
        guard let size = ByteSize.parse(text) else {
            throw MgitError(.invalidInput, "config \(ModelFolder.maxFileSizeKey) is '\(text)', not a size; "
                            + "give one like 50MiB (mgit config \(ModelFolder.maxFileSizeKey) 50MiB)")
        }
        return size
    }
}
