import MgitTensor
extension DatasetSource {
    /// Loads the dataset, reading a file source with the safetensors reader.
    public func load() throws -> Dataset {
        try load(readingFilesWith: { try SafeTensors.read(path: $0) })
    }

    /// The split a metric measured on this data is recorded under: `train`, `test`, or the file's name.
    public var split: String {
        switch self {
        case let .fashionMNIST(split): split.rawValue
        case let .file(path): path.split(separator: "/").last.map(String.init) ?? path
        }
    }
}
