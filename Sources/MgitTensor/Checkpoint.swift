/// A whole checkpoint in memory: named tensors in order, and the safetensors `__metadata__`.
///
/// The order is the order of the tensors' data in the file they came from; mgit keeps it so that an exported
/// file lays tensors out as the original did.
public struct Checkpoint: Sendable, Equatable {
    /// Tensor names in order.
    public private(set) var names: [String] = []
    private var tensors: [String: Tensor] = [:]
    /// The safetensors `__metadata__`: strings to strings.
    public var metadata: [String: String]

    public init(metadata: [String: String] = [:]) {
        self.metadata = metadata
    }

    /// The tensor called `name`, or nil.
    public subscript(name: String) -> Tensor? {
        get { tensors[name] }
        set {
            if let newValue {
                if tensors.updateValue(newValue, forKey: name) == nil { names.append(name) }
            } else if tensors.removeValue(forKey: name) != nil {
                names.removeAll { $0 == name }
            }
        }
    }

    /// The tensors in order, with their names.
    public var namedTensors: [(name: String, tensor: Tensor)] { names.map { ($0, tensors[$0]!) } }

    /// The total number of elements over all tensors.
    public var parameterCount: Int { tensors.values.reduce(0) { $0 + $1.elementCount } }
}
