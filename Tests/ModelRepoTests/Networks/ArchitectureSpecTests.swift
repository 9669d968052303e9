import Foundation
import Testing
@testable import MgitInterop
@testable import MgitTensor
@testable import MgitStore
@testable import MgitLineage
@testable import MgitNetworks
@testable import MgitAlignment
@testable import MgitHooks
@testable import MgitMerge
@testable import MgitOperations

@Suite struct ArchitectureSpecTests {
    static func mlp(_ widths: [Int], names: [String]) -> Checkpoint {
        var c = Checkpoint()
        for (i, name) in names.enumerated() {
            c["\(name).weight"] = Tensor(shape: [widths[i + 1], widths[i]],
                                         floats: [Float](repeating: 0.1, count: widths[i] * widths[i + 1]))
            c["\(name).bias"] = Tensor(shape: [widths[i + 1]], floats: [Float](repeating: 0, count: widths[i + 1]))
        }
        return c
    }

    @Test(arguments: [
        ["fc1", "fc2", "fc10"],
        ["layers.0", "layers.1", "layers.2"],
        ["net.0", "net.2", "net.4", "net.10"],
    ])
    func detectOrdersLayersNaturally(names: [String]) throws {
        let widths = [5] + names.indices.map { 9 - $0 }
        // Store the tensors in reverse order so that file order cannot stand in for the natural order.
        let ordered = Self.mlp(widths, names: names)
        var reversed = Checkpoint()
        for (name, tensor) in ordered.namedTensors.reversed() { reversed[name] = tensor }
        let spec = try ArchitectureSpec.detect(from: reversed)
        #expect(spec == .mlp(layers: names))
        #expect((try makeNetwork(spec, Self.mlp(widths, names: names)) as? MLPNetwork)?.widths == widths)
    }

    @Test func layersThatDoNotChainAreNamed() throws {
        var c = Self.mlp([784, 512, 10], names: ["fc1", "fc2"])
        c["fc2.weight"] = Tensor(shape: [10, 256], floats: [Float](repeating: 0, count: 2560))
        for attempt in [{ _ = try ArchitectureSpec.detect(from: c) },
                        { _ = try makeNetwork(.mlp(layers: ["fc1", "fc2"]), c) }] {
            let error = #expect(throws: MgitError.self, performing: attempt)
            #expect(error?.code == .mismatch)
            #expect(error?.message == "layer 'fc2.weight' takes 256 inputs but 'fc1.weight' gives 512 outputs")
        }
    }

    @Test func nonMLPCheckpointsAreNotDetected() {
        var c = Self.mlp([4, 3], names: ["fc1"])
        c["conv1.weight"] = Tensor(shape: [2, 1, 3, 3], floats: [Float](repeating: 0, count: 18))
        let error = #expect(throws: MgitError.self) { try ArchitectureSpec.detect(from: c) }
        #expect(error?.code == .invalidInput)
        #expect(error?.message.contains("'conv1.weight'") == true && error?.parameter == "architecture")
    }

    @Test(arguments: [
        #"{"format":1,"kind":"mlp","layers":["fc1","fc2","fc3"]}"#,
        #"{"format":1,"kind":"mlp"}"#,
        #"{"format":1,"kind":"vgg","input":[1,28,28],"features":[{"conv":"features.0","stride":1,"padding":1},{"pool":2}],"classifier":["classifier.0","classifier.2"]}"#,
        #"{"format":1,"kind":"resnet20","input":[3,32,32],"width":1,"norm":"batchnorm"}"#,
    ])
    func jsonRoundTrips(json: String) throws {
        let spec = try ArchitectureSpec.decode(json: Data(json.utf8))
        #expect(try ArchitectureSpec.decode(json: spec.json()) == spec)
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
        #expect(spec.kind.rawValue == object["kind"] as? String)
    }

    @Test func vggFeaturesDecodeWithDefaults() throws {
        let spec = try ArchitectureSpec.decode(json: Data(#"{"format":1,"kind":"vgg","input":[1,8,8],"features":[{"conv":"f.0"},{"pool":2}],"classifier":["c"]}"#.utf8))
        #expect(spec.features == [.conv(name: "f.0", stride: 1, padding: 0), .pool(size: 2)])
    }

    @Test(arguments: [
        (#"{"format":2,"kind":"mlp"}"#, "format 2"),
        (#"{"format":1,"kind":"transformer"}"#, "not a valid architecture description"),
        (#"{"format":1}"#, "missing key 'kind'"),
        (#"{"format":1,"kind":"vgg","input":[1,8,8],"features":[{"stride":1}],"classifier":["c"]}"#, "\"conv\" or a \"pool\""),
    ])
    func badDescriptionsAreExplained(json: String, fragment: String) {
        let error = #expect(throws: MgitError.self) { try ArchitectureSpec.decode(json: Data(json.utf8), source: "arch.json") }
        #expect(error?.code == .invalidInput)
        #expect(error?.message.contains(fragment) == true, "\(error?.message ?? "")")
        #expect(error?.message.hasPrefix("arch.json") == true)
    }

    @Test func resnetChecksNamesShapesAndLeftovers() throws {
        var random = TestRandom(5)
        let good = random.resnet20(width: 1, inChannels: 3, classes: 10, batchNorm: true)
        let spec = ArchitectureSpec.resnet20(input: [3, 8, 8])
        _ = try makeNetwork(spec, good)

        // PyTorch's BatchNorm counters are accepted and ignored.
        var counted = good
        counted["bn1.num_batches_tracked"] = Tensor(dtype: .i64, shape: [], bytes: [UInt8](repeating: 0, count: 8))
        _ = try makeNetwork(spec, counted)

        var missing = good
        missing["layer2.0.shortcut.1.running_var"] = nil
        var error = #expect(throws: MgitError.self) { try makeNetwork(spec, missing) }
        #expect(error?.message.contains("no tensor 'layer2.0.shortcut.1.running_var'") == true)

        error = #expect(throws: MgitError.self) { try makeNetwork(.resnet20(input: [3, 8, 8], width: 2), good) }
        #expect(error?.message == "tensor 'conv1.weight' has shape [16, 3, 3, 3] but resnet20 (width 2, batchnorm) needs [32, 3, 3, 3]")

        error = #expect(throws: MgitError.self) { try makeNetwork(.resnet20(input: [3, 8, 8], norm: .layernorm), good) }
        #expect(error?.message.contains("does not use: 'bn1.running_mean'") == true)

        var extra = good
        extra["layer1.0.conv1.bias"] = Tensor(shape: [16], floats: [Float](repeating: 0, count: 16))
        error = #expect(throws: MgitError.self) { try makeNetwork(spec, extra) }
        #expect(error?.message.contains("'layer1.0.conv1.bias' is unexpected") == true)
    }

    @Test func vggChannelMismatchIsNamed() {
        var c = Checkpoint()
        c["features.0.weight"] = Tensor(shape: [4, 1, 3, 3], floats: [Float](repeating: 0, count: 36))
        c["features.2.weight"] = Tensor(shape: [4, 3, 3, 3], floats: [Float](repeating: 0, count: 108))
        c["classifier.0.weight"] = Tensor(shape: [2, 64], floats: [Float](repeating: 0, count: 128))
        let spec = ArchitectureSpec.vgg(input: [1, 4, 4], features: [.conv(name: "features.0", stride: 1, padding: 1),
                                                                     .conv(name: "features.2", stride: 1, padding: 1)],
                                        classifier: ["classifier.0"])
        let error = #expect(throws: MgitError.self) { try makeNetwork(spec, c) }
        #expect(error?.message == "layer 'features.2.weight' takes 3 input channels but 'features.0.weight' gives 4")
    }
}
