import MgitInterop
import MgitTensor
/// Where a dataset comes from, as named on the command line: a built-in name or a dataset checkpoint file.
public enum DatasetSource: Sendable, Equatable, CustomStringConvertible {
    /// `fashion-mnist:train` or `fashion-mnist:test`.
    case fashionMNIST(FashionMNIST.Split)
    /// A safetensors file with `inputs` and `labels` tensors (see `Dataset(checkpoint:source:)`).
    case file(String)

    /// Parses `fashion-mnist:train`, `fashion-mnist:test`, or otherwise takes the argument as a file path.
    public static func parse(_ argument: String) throws -> DatasetSource {
        if argument.hasPrefix("fashion-mnist") {
            switch argument {
            case "fashion-mnist:train": return .fashionMNIST(.train)
            case "fashion-mnist:test": return .fashionMNIST(.test)
            default:
                throw MgitError(.invalidInput, "unknown dataset '\(argument)'; use fashion-mnist:train, "
                                    + "fashion-mnist:test or a safetensors file with 'inputs' and 'labels'")
            }
        }
        return .file(argument)
    }

    public var description: String {
        switch self {
        case let .fashionMNIST(split): "fashion-mnist:\(split.rawValue)"
        case let .file(path): path
        }
    }

    /// Loads the dataset; `read` turns a file path into a checkpoint (the safetensors reader).
    public func load(readingFilesWith read: (String) throws -> Checkpoint) throws -> Dataset {
        switch self {
        case let .fashionMNIST(split): try FashionMNIST.load(split)
        case let .file(path): try Dataset(checkpoint: read(path), source: "dataset '\(path)'")
        }
    }
}
