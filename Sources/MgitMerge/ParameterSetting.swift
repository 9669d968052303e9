import MgitInterop
import MgitTensor

/// One parameter's value in a merge recipe, as a mergekit config writes it: a scalar, a gradient over layers, or
/// a list of conditions on tensor names.
public indirect enum ParameterSetting: Sendable, Equatable {
    case number(Double)
    case flag(Bool)
    case text(String)
    /// Values spread evenly over the layers: the value at layer fraction t interpolates linearly between the two
    /// nearest (numbers); non-numeric lists pick `values[⌊t·(count−1)⌋]`.
    case gradient([ParameterSetting])
    /// The first condition whose `filter` is nil, `*` or a substring of the tensor's name decides.
    case conditional([Condition])

    /// One entry of a conditional setting.
    public struct Condition: Sendable, Equatable {
        public var filter: String?
        public var value: ParameterSetting
        public init(filter: String?, value: ParameterSetting) {
            self.filter = filter
            self.value = value
        }
    }

    /// The scalar this setting takes for tensor `name` at layer fraction `t` (0 outside numbered layers), or nil
    /// when no condition applies (mergekit's `evaluate_setting`).
    public func value(forTensor name: String, layerFraction t: Double) -> ParameterSetting? {
        switch self {
        case .number, .flag, .text:
            return self
        case .gradient(let values):
            guard !values.isEmpty else { return nil }
            let numbers = values.compactMap { if case .number(let x) = $0 { x } else { nil } }
            guard numbers.count == values.count else {
                return values[Int(t * Double(values.count - 1))]
            }
            let scaled = t * Double(numbers.count - 1)
            let i0 = Int(scaled), i1 = min(numbers.count - 1, i0 + 1)
            let fraction = scaled - Double(i0)
            return .number((1 - fraction) * numbers[i0] + fraction * numbers[i1])
        case .conditional(let conditions):
            for c in conditions where c.filter == nil || c.filter == "*" || (c.filter.map { !name.isEmpty && name.contains($0) } ?? false) {
                return c.value.value(forTensor: name, layerFraction: t)
            }
            return nil
        }
    }

    /// Whether the setting is the same for every tensor (a scalar).
    public var isScalar: Bool {
        switch self {
        case .number, .flag, .text: true
        default: false
        }
    }
}
