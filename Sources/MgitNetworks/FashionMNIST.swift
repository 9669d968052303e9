import Foundation
import MgitInterop

/// Fashion-MNIST (Xiao et al. 2017), read from the gzip IDX files of the `dataset-fashion-mnist` package.
public enum FashionMNIST {
    /// The training (60,000 images) or test (10,000 images) split.
    public enum Split: String, Sendable, CaseIterable {
        case train
        case test
    }

    /// Where `scripts/bootstrap` installs the files.
    public static let defaultDirectory = "/usr/share/datasets/fashion-mnist"

    /// The split as a dataset: inputs `[N, 784]` scaled to `[0, 1]`, sample shape `[1, 28, 28]`, labels 0–9.
    public static func load(_ split: Split, directory: String = defaultDirectory) throws -> Dataset {
        let prefix = split == .train ? "train" : "t10k"
        let imagePath = "\(directory)/\(prefix)-images-idx3-ubyte.gz"
        let labelPath = "\(directory)/\(prefix)-labels-idx1-ubyte.gz"
        for path in [imagePath, labelPath] where !FileManager.default.fileExists(atPath: path) {
            throw MgitError(.notFound, "Fashion-MNIST file '\(path)' is missing; install dataset-fashion-mnist "
                                + "(scripts/bootstrap)")
        }
        let images = try IDXFile(Gzip.decompress(contentsOf: imagePath), source: "'\(imagePath)'")
        let labels = try IDXFile(Gzip.decompress(contentsOf: labelPath), source: "'\(labelPath)'")
        guard images.shape.count == 3, labels.shape.count == 1, images.shape[0] == labels.shape[0] else {
            throw MgitError(.corrupt, "Fashion-MNIST files disagree: images \(images.shape), labels \(labels.shape); "
                                + "reinstall dataset-fashion-mnist (scripts/bootstrap)")
        }
        let n = images.shape[0], features = images.shape[1] * images.shape[2]
        let values = images.bytes.withUnsafeBufferPointer { src in
            [Float](unsafeUninitializedCapacity: src.count) { out, initialized in
                for i in 0..<src.count { out[i] = Float(src[i]) / 255 }
                initialized = src.count
            }
        }
        return Dataset(inputs: FloatMatrix(rows: n, columns: features, values: values),
                       labels: labels.bytes.map(Int.init), sampleShape: [1, images.shape[1], images.shape[2]])
    }
}
