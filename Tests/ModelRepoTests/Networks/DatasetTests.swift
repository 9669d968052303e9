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

@Suite struct DatasetTests {
    /// A temporary directory removed when the test ends.
    final class TemporaryDirectory {
        let path: String
        init() throws {
            path = NSTemporaryDirectory() + "mgit-dataset-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        deinit { try? FileManager.default.removeItem(atPath: path) }

        /// Writes `bytes` gzip-compressed (by the `gzip` program, independent of mgit's zlib code) to `name`.
        func writeGzip(_ name: String, _ bytes: [UInt8]) throws {
            let raw = "\(path)/\(name)".replacingOccurrences(of: ".gz", with: "")
            try Data(bytes).write(to: URL(fileURLWithPath: raw))
            let gzip = Process()
            gzip.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            gzip.arguments = ["gzip", "-n", "-f", raw]
            try gzip.run()
            gzip.waitUntilExit()
            precondition(gzip.terminationStatus == 0, "gzip failed")
        }
    }

    /// IDX bytes: magic `0 0 8 rank`, big-endian sizes, elements.
    static func idx(_ shape: [Int], _ elements: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0, 0, 0x08, UInt8(shape.count)]
        for d in shape { out += [UInt8(d >> 24 & 255), UInt8(d >> 16 & 255), UInt8(d >> 8 & 255), UInt8(d & 255)] }
        return out + elements
    }

    @Test func handBuiltGzipIDXFilesLoad() throws {
        let dir = try TemporaryDirectory()
        let pixels: [UInt8] = (0..<18).map { UInt8($0 * 15) }
        try dir.writeGzip("t10k-images-idx3-ubyte.gz", Self.idx([3, 2, 3], pixels))
        try dir.writeGzip("t10k-labels-idx1-ubyte.gz", Self.idx([3], [7, 0, 9]))
        let d = try FashionMNIST.load(.test, directory: dir.path)
        #expect(d.count == 3 && d.inputs.columns == 6 && d.sampleShape == [1, 2, 3])
        #expect(d.labels == [7, 0, 9])
        #expect(d.inputs.values == pixels.map { Float($0) / 255 })
        #expect(d.inputs[2, 5] == 1)
    }

    @Test func largeIDXDimensionsAreBigEndian() throws {
        let labels = [UInt8](repeating: 3, count: 258)
        let file = try IDXFile(Self.idx([258], labels), source: "test")
        #expect(file.shape == [258] && file.bytes == labels)
    }

    @Test func brokenFilesAreReported() throws {
        let dir = try TemporaryDirectory()
        try dir.writeGzip("train-images-idx3-ubyte.gz", Self.idx([2, 2, 2], [1, 2, 3, 4, 5, 6, 7])) // one byte short
        try dir.writeGzip("train-labels-idx1-ubyte.gz", Self.idx([2], [1, 2]))
        var error = #expect(throws: MgitError.self) { try FashionMNIST.load(.train, directory: dir.path) }
        #expect(error?.code == .corrupt && error?.message.contains("has 23 bytes") == true)

        try Data([0x1f, 0x8b, 8, 0, 1, 2, 3]).write(to: URL(fileURLWithPath: "\(dir.path)/train-images-idx3-ubyte.gz"))
        error = #expect(throws: MgitError.self) { try FashionMNIST.load(.train, directory: dir.path) }
        #expect(error?.code == .corrupt && error?.message.contains("not a valid gzip file") == true)

        error = #expect(throws: MgitError.self) { try FashionMNIST.load(.test, directory: dir.path) }
        #expect(error?.code == .notFound && error?.message.contains("install dataset-fashion-mnist (scripts/bootstrap)") == true)
    }

    @Test func realFashionMNISTHasTheKnownCounts() throws {
        for (split, n) in [(FashionMNIST.Split.train, 60000), (.test, 10000)] {
            let d = try FashionMNIST.load(split)
            #expect(d.count == n && d.inputs.rows == n && d.inputs.columns == 784 && d.sampleShape == [1, 28, 28])
            var perClass = [Int](repeating: 0, count: 10)
            for l in d.labels { perClass[l] += 1 }
            #expect(perClass == [Int](repeating: n / 10, count: 10))
            #expect(d.labels[0] == 9) // Both splits start with an ankle boot.
            // Pixels are bytes over 255: the brightest is exactly 1, the darkest 0.
            #expect(d.inputs.rows(0..<100).values.contains(1) && d.inputs.rows(0..<100).values.contains(0))
        }
    }

    @Test func sourcesParse() throws {
        #expect(try DatasetSource.parse("fashion-mnist:train") == .fashionMNIST(.train))
        #expect(try DatasetSource.parse("fashion-mnist:test") == .fashionMNIST(.test))
        #expect(try DatasetSource.parse("data/cifar.safetensors") == .file("data/cifar.safetensors"))
        #expect(throws: MgitError.self) { try DatasetSource.parse("fashion-mnist:valid") }
        let d = try DatasetSource.file("x").load { path in
            #expect(path == "x")
            var c = Checkpoint()
            c["inputs"] = Tensor(dtype: .u8, shape: [2, 1, 2], bytes: [0, 255, 51, 102])
            c["labels"] = Tensor(dtype: .u8, shape: [2], bytes: [1, 0])
            return c
        }
        #expect(d.inputs.values == [0, 1, 0.2, 0.4] && d.labels == [1, 0] && d.sampleShape == [1, 2])
    }

    @Test func checkpointDatasetsRoundTripAndBadOnesAreExplained() throws {
        let original = Dataset(inputs: FloatMatrix(rows: 3, columns: 4, values: (0..<12).map { Float($0) / 8 }),
                               labels: [2, 0, 1], sampleShape: [1, 2, 2])
        #expect(try Dataset(checkpoint: original.checkpoint()) == original)

        var c = original.checkpoint()
        c["labels"] = Tensor(shape: [3], floats: [0, 1, 2])
        var error = #expect(throws: MgitError.self) { try Dataset(checkpoint: c, source: "d.safetensors") }
        #expect(error?.message.hasPrefix("d.safetensors: 'labels' has dtype F32") == true)
        c["labels"] = Tensor(dtype: .i32, shape: [2], bytes: [UInt8](repeating: 0, count: 8))
        error = #expect(throws: MgitError.self) { try Dataset(checkpoint: c) }
        #expect(error?.message.contains("labels must be [3]") == true)
        c["labels"] = nil
        #expect(throws: MgitError.self) { try Dataset(checkpoint: c) }
    }

    static func labelled(_ perClass: Int, classes: Int = 10) -> Dataset {
        let labels = (0..<(perClass * classes)).map { $0 % classes }
        return Dataset(inputs: FloatMatrix(rows: labels.count, columns: 1, values: labels.indices.map(Float.init)),
                       labels: labels)
    }

    @Test func subsetsAreDeterministicFromTheirSeed() throws {
        let d = Self.labelled(100)
        #expect(try DatasetSubset.first(5).indices(in: d) == [0, 1, 2, 3, 4])
        let r1 = try DatasetSubset.random(count: 50, seed: 7).indices(in: d)
        #expect(try DatasetSubset.random(count: 50, seed: 7).indices(in: d) == r1)
        #expect(try DatasetSubset.random(count: 50, seed: 8).indices(in: d) != r1)
        #expect(Set(r1).count == 50 && r1 == r1.sorted() && r1.allSatisfy { $0 < 1000 })
        #expect(try DatasetSubset.random(count: 50, seed: 7).apply(to: d).inputs.values == r1.map(Float.init))
        #expect(throws: MgitError.self) { try DatasetSubset.first(1001).indices(in: d) }
    }

    @Test func classBiasedTeamsAreDisjointComplementaryAndBiased() throws {
        let d = Self.labelled(100)
        let a = try DatasetSubset.team(.a, fraction: 0.8, seed: 3).indices(in: d)
        let b = try DatasetSubset.team(.b, fraction: 0.8, seed: 3).indices(in: d)
        #expect(Set(a).isDisjoint(with: b) && Set(a).union(b) == Set(0..<1000))
        for (team, indices) in [(0, a), (1, b)] {
            var perClass = [Int](repeating: 0, count: 10)
            for i in indices { perClass[d.labels[i]] += 1 }
            let favoured = team == 0 ? 0..<5 : 5..<10
            #expect((0..<10).allSatisfy { perClass[$0] == (favoured.contains($0) ? 80 : 20) })
        }
        #expect(try DatasetSubset.team(.a, fraction: 0.8, seed: 4).indices(in: d) != a)
    }

    @Test(arguments: [
        ("all", DatasetSubset.all), ("first:10000", .first(10000)), ("random:500:9", .random(count: 500, seed: 9)),
        ("team-a:1", .team(.a, fraction: 0.8, seed: 1)), ("team-b:2:0.9", .team(.b, fraction: 0.9, seed: 2)),
    ])
    func subsetsParse(text: String, subset: DatasetSubset) throws {
        #expect(try DatasetSubset.parse(text) == subset)
        #expect(try DatasetSubset.parse(subset.description) == subset)
    }

    @Test(arguments: ["", "first", "first:-1", "random:5", "team-c:1", "team-a:1:1.5", "first:x"])
    func badSubsetsAreRejected(text: String) {
        #expect(throws: MgitError.self) { try DatasetSubset.parse(text) }
    }

    @Test func seededGeneratorStreamIsFixed() {
        // SplitMix64 reference values for seed 1234567 (from the published C implementation).
        var g = SeededGenerator(seed: 1234567)
        #expect([g.next(), g.next(), g.next()] == [6457827717110365317, 3203168211198807973, 9817491932198370423])
    }
}
