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

@Suite struct SafeTensorsWriterTests {
    /// A checkpoint with a tensor big enough (over 1 MiB) to go past the writer's buffer.
    static func sample() -> Checkpoint {
        var random = SeededBytes(seed: 99)
        var checkpoint = Checkpoint(metadata: ["format": "pt"])
        checkpoint["embed"] = Tensor(dtype: .f16, shape: [7, 3], bytes: random.bytes(42))
        checkpoint["big"] = Tensor(dtype: .f32, shape: [300, 1000], bytes: random.bytes(1_200_000))
        checkpoint["none"] = Tensor(dtype: .f32, shape: [0], bytes: [])
        checkpoint["head"] = Tensor(dtype: .u8, shape: [5], bytes: random.bytes(5))
        return checkpoint
    }

    static func entries(_ checkpoint: Checkpoint) -> [TensorEntry] {
        checkpoint.namedTensors.map { TensorEntry(name: $0.name, tensor: $0.tensor) }
    }

    @Test(arguments: [1, 3, 4096, 1 << 20, 5_000_000])
    func streamingInChunksEqualsWholeWrite(chunk: Int) throws {
        let folder = try TensorScratchFolder()
        defer { folder.remove() }
        let checkpoint = Self.sample()
        try SafeTensors.write(checkpoint, to: folder.path("whole.safetensors"))

        let data = checkpoint.namedTensors.flatMap(\.tensor.bytes)
        let writer = try SafeTensorsWriter(path: folder.path("streamed.safetensors"),
                                           entries: Self.entries(checkpoint), metadata: checkpoint.metadata)
        // Chunks ignore tensor boundaries on purpose. Tiny chunks would be slow over 1.2 MB in a debug build, so
        // they cover a prefix (past the first tensor boundary) and the rest goes in one call.
        var position = 0
        let stepLimit = chunk < 4096 ? 3_000 : data.count
        try data.withUnsafeBytes { raw in
            while position < min(stepLimit, data.count) {
                let end = min(position + chunk, data.count)
                try writer.append(UnsafeRawBufferPointer(rebasing: raw[position..<end]))
                position = end
            }
            try writer.append(UnsafeRawBufferPointer(rebasing: raw[position...]))
        }
        try writer.finish()
        #expect(try folder.read("streamed.safetensors") == folder.read("whole.safetensors"))
        #expect(try SafeTensors.read(path: folder.path("streamed.safetensors")) == checkpoint)
        #expect(try folder.contents() == ["streamed.safetensors", "whole.safetensors"])
    }

    @Test func abandonedWriterLeavesNoFile() throws {
        let folder = try TensorScratchFolder()
        defer { folder.remove() }
        let checkpoint = Self.sample()
        do {
            let writer = try SafeTensorsWriter(path: folder.path("a.safetensors"), entries: Self.entries(checkpoint),
                                               metadata: checkpoint.metadata)
            try checkpoint["embed"]!.bytes.withUnsafeBytes { try writer.append($0) }
            // The temporary file exists while the writer does, beside the target and hidden.
            let during = try folder.contents()
            #expect(during.count == 1)
            #expect(during.first?.hasPrefix(".a.safetensors.") == true)
        }
        #expect(try folder.contents().isEmpty)
    }

    @Test func finishWithMissingDataThrowsAndLeavesNoFile() throws {
        let folder = try TensorScratchFolder()
        defer { folder.remove() }
        let checkpoint = Self.sample()
        do {
            let writer = try SafeTensorsWriter(path: folder.path("m.safetensors"), entries: Self.entries(checkpoint),
                                               metadata: [:])
            try checkpoint["embed"]!.bytes.withUnsafeBytes { try writer.append($0) }
            try [UInt8](repeating: 0, count: 1000).withUnsafeBytes { try writer.append($0) }
            let error = mgitError { try writer.finish() }
            #expect(error?.code == .invalidInput)
            #expect(error?.message.contains("only 1042 of 1200047 bytes") == true)
            #expect(error?.message.contains("tensor 'big' is incomplete") == true)
        }
        #expect(try folder.contents().isEmpty)
    }

    @Test func appendingMoreThanPromisedThrowsAndWritesNothing() throws {
        let folder = try TensorScratchFolder()
        defer { folder.remove() }
        let entries = [TensorEntry(name: "a", dtype: .u8, shape: [2]), TensorEntry(name: "b", dtype: .i16, shape: [1])]
        let writer = try SafeTensorsWriter(path: folder.path("o.safetensors"), entries: entries, metadata: [:])
        try [UInt8]([1, 2, 3]).withUnsafeBytes { try writer.append($0) }
        let error = mgitError { try [UInt8]([4, 5]).withUnsafeBytes { try writer.append($0) } }
        #expect(error?.code == .invalidInput)
        #expect(error?.message.contains("would make 5, but the entries promise 4") == true)
        // The refused call wrote nothing: the last byte can still come, and the file is right.
        try [UInt8]([9]).withUnsafeBytes { try writer.append($0) }
        try writer.finish()
        let checkpoint = try SafeTensors.read(path: folder.path("o.safetensors"))
        #expect(checkpoint["a"]?.bytes == [1, 2])
        #expect(checkpoint["b"]?.bytes == [3, 9])
    }

    @Test(arguments: [["w", "w"], ["__metadata__"]])
    func refusesNamesTheHeaderCannotHold(names: [String]) throws {
        let folder = try TensorScratchFolder()
        defer { folder.remove() }
        let entries = names.map { TensorEntry(name: $0, dtype: .u8, shape: [1]) }
        let error = mgitError {
            _ = try SafeTensorsWriter(path: folder.path("n.safetensors"), entries: entries, metadata: [:])
        }
        #expect(error?.code == .invalidInput)
        #expect(error?.message.contains("'\(names[0])'") == true)
        #expect(try folder.contents().isEmpty)
    }

    @Test func missingFolderIsAnIOError() throws {
        let folder = try TensorScratchFolder()
        defer { folder.remove() }
        let path = folder.path("no/such/folder/x.safetensors")
        let error = mgitError { _ = try SafeTensorsWriter(path: path, entries: [], metadata: [:]) }
        #expect(error?.code == .io)
        #expect(error?.message.contains("'\(path)'") == true)
    }
}
