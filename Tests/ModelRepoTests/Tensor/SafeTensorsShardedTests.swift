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

/// Two hand-built shards and an index, written into a fresh folder; each test changes one piece.
struct ShardedCheckpointFixture {
    static let first = "model-00001-of-00002.safetensors"
    static let second = "model-00002-of-00002.safetensors"

    let folder: TensorScratchFolder
    var firstHeader = #"{"__metadata__":{"format":"pt"},"#
        + #""b.weight":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"#
        + #""a.weight":{"dtype":"F32","shape":[1],"data_offsets":[2,6]}}"#
    var firstData = countingBytes(6)
    var secondHeader = #"{"__metadata__":{"format":"pt","epoch":"3"},"#
        + #""c":{"dtype":"I16","shape":[2],"data_offsets":[0,4]}}"#
    var secondData = countingBytes(4, from: 50)
    /// The weight_map's members, spelled as JSON; the second shard is listed first on purpose.
    var weightMap = #""c":"\#(second)","a.weight":"\#(first)","b.weight":"\#(first)""#
    var indexMetadata = #"{"total_size":10,"nested":{"list":[1,2.5,null,true]}}"#

    init() throws {
        folder = try TensorScratchFolder()
    }

    /// Writes the files and returns the index's path.
    func write() throws -> String {
        try folder.write(Self.first, handBuiltSafeTensors(header: firstHeader, data: firstData))
        try folder.write(Self.second, handBuiltSafeTensors(header: secondHeader, data: secondData))
        let index = #"{"metadata":\#(indexMetadata),"weight_map":{\#(weightMap)}}"#
        return try folder.write("model.safetensors.index.json", Array(index.utf8))
    }
}

@Suite struct SafeTensorsShardedTests {
    @Test func readsTwoShardsAsOneCheckpoint() throws {
        let fixture = try ShardedCheckpointFixture()
        defer { fixture.folder.remove() }
        let index = try fixture.write()
        let reader = try SafeTensorsReader(path: index)
        #expect(reader.path == index)
        // Shard order (by file name), then data order within each shard.
        #expect(reader.entries == [
            TensorEntry(name: "b.weight", dtype: .u8, shape: [2]),
            TensorEntry(name: "a.weight", dtype: .f32, shape: [1]),
            TensorEntry(name: "c", dtype: .i16, shape: [2]),
        ])
        // The union of the shards' __metadata__; the index's own metadata (total_size, …) is not kept.
        #expect(reader.metadata == ["format": "pt", "epoch": "3"])
        #expect(reader.withBytes(of: 0) { [UInt8]($0) } == [0, 1])
        #expect(reader.withBytes(of: 1) { [UInt8]($0) } == [2, 3, 4, 5])
        #expect(reader.withBytes(of: 2) { [UInt8]($0) } == [50, 51, 52, 53])

        var expected = Checkpoint(metadata: ["format": "pt", "epoch": "3"])
        expected["b.weight"] = Tensor(dtype: .u8, shape: [2], bytes: [0, 1])
        expected["a.weight"] = Tensor(dtype: .f32, shape: [1], bytes: [2, 3, 4, 5])
        expected["c"] = Tensor(dtype: .i16, shape: [2], bytes: [50, 51, 52, 53])
        #expect(try SafeTensors.read(path: index) == expected)
    }

    /// One way for shards and index to disagree, and the facts the message must state.
    struct BrokenShards: Sendable, CustomTestStringConvertible {
        let rule: String
        let code: MgitError.Code
        let facts: [String]
        let change: @Sendable (inout ShardedCheckpointFixture) -> Void
        var testDescription: String { rule }
    }

    static let brokenShards: [BrokenShards] = [
        BrokenShards(rule: "tensor in the map but not in its shard", code: .corrupt,
                     facts: ["tensor 'd'", "'\(ShardedCheckpointFixture.first)'", "has no such tensor"]) {
            $0.weightMap += #","d":"\#(ShardedCheckpointFixture.first)""#
        },
        BrokenShards(rule: "tensor in a shard but not in the map", code: .corrupt,
                     facts: ["tensor 'extra' is in shard '\(ShardedCheckpointFixture.second)' but not in the weight_map"]) {
            $0.secondHeader = #"{"c":{"dtype":"I16","shape":[2],"data_offsets":[0,4]},"#
                + #""extra":{"dtype":"U8","shape":[1],"data_offsets":[4,5]}}"#
            $0.secondData = countingBytes(5)
        },
        BrokenShards(rule: "tensor in two shards", code: .corrupt,
                     facts: ["tensor 'a.weight' is in two shards", "'\(ShardedCheckpointFixture.first)'",
                             "'\(ShardedCheckpointFixture.second)'"]) {
            $0.secondHeader = #"{"c":{"dtype":"I16","shape":[2],"data_offsets":[0,4]},"#
                + #""a.weight":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#
            $0.secondData = countingBytes(8)
        },
        BrokenShards(rule: "tensor in another shard than the map says", code: .corrupt,
                     facts: ["tensor 'a.weight' is in shard '\(ShardedCheckpointFixture.first)'",
                             "the weight_map puts it in '\(ShardedCheckpointFixture.second)'"]) {
            $0.weightMap = #""c":"\#(ShardedCheckpointFixture.second)","a.weight":"\#(ShardedCheckpointFixture.second)","#
                + #""b.weight":"\#(ShardedCheckpointFixture.first)""#
        },
        BrokenShards(rule: "conflicting metadata", code: .corrupt,
                     facts: ["'\(ShardedCheckpointFixture.first)'", "'\(ShardedCheckpointFixture.second)'", "metadata 'format'",
                             "'pt' against 'np'"]) {
            $0.secondHeader = #"{"__metadata__":{"format":"np"},"c":{"dtype":"I16","shape":[2],"data_offsets":[0,4]}}"#
        },
        BrokenShards(rule: "shard path with a folder", code: .corrupt,
                     facts: ["tensor 'c'", "'sub/x.safetensors'", "not a plain file name"]) {
            $0.weightMap = #""c":"sub/x.safetensors""#
        },
        BrokenShards(rule: "shard path going up", code: .corrupt,
                     facts: ["tensor 'c'", "'..'", "not a plain file name"]) {
            $0.weightMap = #""c":"..""#
        },
        BrokenShards(rule: "shard path going up and over", code: .corrupt,
                     facts: ["tensor 'c'", "'../model-00002-of-00002.safetensors'", "not a plain file name"]) {
            $0.weightMap = #""c":"../model-00002-of-00002.safetensors""#
        },
        BrokenShards(rule: "absolute shard path", code: .corrupt,
                     facts: ["tensor 'c'", "'/etc/passwd'", "not a plain file name"]) {
            $0.weightMap = #""c":"/etc/passwd""#
        },
        BrokenShards(rule: "shard name with a NUL byte", code: .corrupt,
                     facts: ["tensor 'c'", "not a plain file name"]) {
            $0.weightMap = #""c":"\#(ShardedCheckpointFixture.second)\u0000.txt""#
        },
        BrokenShards(rule: "empty shard name", code: .corrupt, facts: ["tensor 'c'", "not a plain file name"]) {
            $0.weightMap = #""c":"""#
        },
        BrokenShards(rule: "shard file missing", code: .notFound,
                     facts: ["model-00003-of-00003.safetensors", "model.safetensors.index.json", "does not exist"]) {
            $0.weightMap += #","d":"model-00003-of-00003.safetensors""#
        },
        BrokenShards(rule: "corrupt shard", code: .corrupt,
                     facts: ["\(ShardedCheckpointFixture.second)' is corrupt", "tensor 'c' ends at byte 4 but the data section has 3 bytes"]) {
            $0.secondData = countingBytes(3)
        },
        BrokenShards(rule: "weight_map value not a string", code: .corrupt,
                     facts: ["maps tensor 'c' to the number 2"]) {
            $0.weightMap = #""c":2"#
        },
        BrokenShards(rule: "tensor twice in the weight_map", code: .corrupt, facts: ["'c' appears twice"]) {
            $0.weightMap += #","c":"\#(ShardedCheckpointFixture.second)""#
        },
        BrokenShards(rule: "index not JSON", code: .corrupt, facts: ["not valid JSON"]) {
            $0.weightMap += ","
        },
    ]

    @Test(arguments: brokenShards)
    func refusesShardsThatDisagreeWithTheIndex(_ broken: BrokenShards) throws {
        var fixture = try ShardedCheckpointFixture()
        defer { fixture.folder.remove() }
        broken.change(&fixture)
        let index = try fixture.write()
        let error = mgitError { _ = try SafeTensorsReader(path: index) }
        #expect(error?.code == broken.code)
        let message = error?.message ?? ""
        if broken.code == .corrupt && !broken.rule.hasPrefix("corrupt shard") {
            #expect(message.hasPrefix("checkpoint index '\(index)' is corrupt: "), "\(message)")
        }
        for fact in broken.facts {
            #expect(message.contains(fact), "message \"\(message)\" should contain \"\(fact)\"")
        }
    }

    @Test func indexWithoutWeightMapIsCorrupt() throws {
        let folder = try TensorScratchFolder()
        defer { folder.remove() }
        let index = try folder.write("m.safetensors.index.json", Array(#"{"metadata":{}}"#.utf8))
        let error = mgitError { _ = try SafeTensorsReader(path: index) }
        #expect(error?.code == .corrupt)
        #expect(error?.message == "checkpoint index '\(index)' is corrupt: it has no 'weight_map'")
    }

    @Test func missingIndexIsNotFound() throws {
        let folder = try TensorScratchFolder()
        defer { folder.remove() }
        let error = mgitError { _ = try SafeTensorsReader(path: folder.path("model.safetensors.index.json")) }
        #expect(error?.code == .notFound)
    }

    @Test func emptyWeightMapIsAnEmptyCheckpoint() throws {
        let folder = try TensorScratchFolder()
        defer { folder.remove() }
        let index = try folder.write("m.safetensors.index.json", Array(#"{"weight_map":{}}"#.utf8))
        let reader = try SafeTensorsReader(path: index)
        #expect(reader.entries.isEmpty)
        #expect(reader.metadata.isEmpty)
    }

    @Test func shardedCheckpointWrittenAsOneFileReadsTheSame() throws {
        let fixture = try ShardedCheckpointFixture()
        defer { fixture.folder.remove() }
        let index = try fixture.write()
        let checkpoint = try SafeTensors.read(path: index)
        let single = fixture.folder.path("single.safetensors")
        try SafeTensors.write(checkpoint, to: single)
        #expect(try SafeTensors.read(path: single) == checkpoint)
    }
}
