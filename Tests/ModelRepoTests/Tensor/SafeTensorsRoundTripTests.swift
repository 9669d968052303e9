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

@Suite struct SafeTensorsRoundTripTests {
    /// Element bit patterns that a conversion through `Float` would change or lose: NaN payloads (quiet and
    /// signalling, either sign), infinities, negative zero, subnormals, integer extremes; for the 8-bit float
    /// types every one of the 256 bytes.
    static func awkwardBytes(_ dtype: DType) -> [UInt8] {
        func le<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
            values.flatMap { value in (0..<T.bitWidth / 8).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
        }
        switch dtype {
        case .f64:
            return le([0x7FF0_0000_0000_0001, 0xFFF8_DEAD_BEEF_0001, 0x7FF8_0000_0000_0000, 0x8000_0000_0000_0000,
                       0x0000_0000_0000_0001, 0x7FF0_0000_0000_0000] as [UInt64])
        case .f32:
            return le([0x7FC0_0001, 0xFFC1_2345, 0x7F80_0001, 0x7F80_0000, 0x8000_0000, 0x0000_0001] as [UInt32])
        case .f16:
            return le([0x7C01, 0xFE55, 0x7E00, 0x7C00, 0x8000, 0x0001] as [UInt16])
        case .bf16:
            return le([0x7F81, 0xFFC1, 0x7FC0, 0x7F80, 0x8000, 0x0001] as [UInt16])
        case .i64:
            return le([Int64.min, Int64.max, -1, 0, 1, 42] as [Int64])
        case .i32:
            return le([Int32.min, Int32.max, -1, 0, 1, 42] as [Int32])
        case .i16:
            return le([Int16.min, Int16.max, -1, 0, 1, 42] as [Int16])
        case .i8:
            return le([Int8.min, Int8.max, -1, 0, 1, 42] as [Int8])
        case .u8:
            return [0, 1, 127, 128, 254, 255]
        case .bool:
            return [0, 1, 1, 0, 0, 1]
        case .f8e4m3, .f8e5m2:
            return (0...255).map { UInt8($0) }
        }
    }

    @Test(arguments: DType.allCases)
    func everyDTypeRoundTripsBitForBit(dtype: DType) throws {
        let folder = try TensorScratchFolder()
        defer { folder.remove() }
        var random = SeededBytes(seed: UInt64(dtype.size) * 1_000 + UInt64(dtype.rawValue.utf8.count))
        let awkward = Self.awkwardBytes(dtype)
        let count = awkward.count / dtype.size
        var checkpoint = Checkpoint()
        checkpoint["awkward"] = Tensor(dtype: dtype, shape: [count], bytes: awkward)
        checkpoint["random"] = Tensor(dtype: dtype, shape: [3, 5], bytes: random.bytes(15 * dtype.size))
        checkpoint["scalar"] = Tensor(dtype: dtype, shape: [], bytes: Array(awkward.prefix(dtype.size)))
        checkpoint["empty"] = Tensor(dtype: dtype, shape: [4, 0], bytes: [])
        let path = folder.path("t.safetensors")
        try SafeTensors.write(checkpoint, to: path)

        let reader = try SafeTensorsReader(path: path)
        #expect(reader.entries.map(\.dtype) == [dtype, dtype, dtype, dtype])
        #expect(reader.checkpoint() == checkpoint)
        for (index, entry) in reader.entries.enumerated() {
            let original = checkpoint[entry.name]!
            #expect(entry.shape == original.shape)
            #expect(reader.withBytes(of: index) { [UInt8]($0) } == original.bytes)
        }
        // And in the file itself, at the offsets the layout promises: data right after the header, in order.
        let file = try folder.read("t.safetensors")
        let dataStart = 8 + Int(file[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        let data = checkpoint.namedTensors.flatMap(\.tensor.bytes)
        #expect(Array(file[dataStart...]) == data)
    }

    @Test func writerLayoutMatchesTheHandSpelledHeader() throws {
        let folder = try TensorScratchFolder()
        defer { folder.remove() }
        var checkpoint = Checkpoint(metadata: ["format": "pt", "author": "mgit"])
        checkpoint["w"] = Tensor(dtype: .f32, shape: [2, 3], bytes: countingBytes(24))
        checkpoint["b"] = Tensor(dtype: .bf16, shape: [3], bytes: countingBytes(6, from: 100))
        checkpoint["s"] = Tensor(dtype: .i64, shape: [], bytes: countingBytes(8, from: 200))
        let path = folder.path("w.safetensors")
        try SafeTensors.write(checkpoint, to: path)

        // Metadata first with sorted keys, then the tensors in checkpoint order, compact.
        let json = #"{"__metadata__":{"author":"mgit","format":"pt"},"#
            + #""w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"#
            + #""b":{"dtype":"BF16","shape":[3],"data_offsets":[24,30]},"#
            + #""s":{"dtype":"I64","shape":[],"data_offsets":[30,38]}}"#
        let padded = json + String(repeating: " ", count: (8 - (8 + json.utf8.count) % 8) % 8)
        let expected = handBuiltSafeTensors(header: padded,
                                            data: countingBytes(24) + countingBytes(6, from: 100) + countingBytes(8, from: 200))
        let file = try folder.read("w.safetensors")
        #expect(file == expected)
        #expect(padded.utf8.count > json.utf8.count)  // This case does need padding.
        #expect((8 + padded.utf8.count) % 8 == 0)
        #expect(SafeTensors.header(for: checkpoint.namedTensors.map { TensorEntry(name: $0.name, tensor: $0.tensor) },
                                   metadata: checkpoint.metadata) == Array(expected[0..<(8 + padded.utf8.count)]))
        // Foundation's parser, an independent reader, agrees on the header's content.
        let parsed = try JSONSerialization.jsonObject(with: Data(padded.utf8)) as? [String: Any]
        #expect(parsed?["__metadata__"] as? [String: String] == ["format": "pt", "author": "mgit"])
        #expect((parsed?["b"] as? [String: Any])?["data_offsets"] as? [Int] == [24, 30])
    }

    @Test(arguments: 0..<10)
    func headerIsPaddedToEightBytes(nameLength: Int) throws {
        let entry = TensorEntry(name: String(repeating: "n", count: nameLength + 1), dtype: .u8, shape: [1])
        let header = SafeTensors.header(for: [entry], metadata: [:])
        let length = Int(header[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        #expect(header.count == 8 + length)
        #expect(header.count % 8 == 0)
        let json = #"{"\#(entry.name)":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}"#
        #expect(Array(header[8..<(8 + json.utf8.count)]) == Array(json.utf8))
        #expect(header[(8 + json.utf8.count)...].allSatisfy { $0 == 0x20 })
        #expect(header.count - 8 - json.utf8.count < 8)
    }

    @Test func emptyCheckpointIsAnEmptyObjectAndNoMetadataKey() throws {
        let header = SafeTensors.header(for: [], metadata: [:])
        #expect(header == littleEndianBytes(8) + Array("{}      ".utf8))
    }

    @Test func metadataRoundTripsExactly() throws {
        let folder = try TensorScratchFolder()
        defer { folder.remove() }
        let metadata = [
            "quote\"key": "say \"hi\"",
            "back\\slash": "C:\\path\\",
            "unicode": "é 😀 中文 \u{301}",
            "controls": "a\nb\tc\u{1}\u{1F}\u{7F}",
            "slash/": "</script>",
            "": "empty key",
            "empty value": "",
        ]
        var checkpoint = Checkpoint(metadata: metadata)
        checkpoint["x"] = Tensor(dtype: .u8, shape: [1], bytes: [5])
        let path = folder.path("m.safetensors")
        try SafeTensors.write(checkpoint, to: path)
        #expect(try SafeTensorsReader(path: path).metadata == metadata)

        // The escaping, spelled by hand: `"` and `\` backslashed, controls below 0x20 as \u00xx, the rest raw.
        let expectedMetadata = #"{"":"empty key","back\\slash":"C:\\path\\","#
            + #""controls":"a\u000ab\u0009c\u0001\u001f\#u{7F}","empty value":"","quote\"key":"say \"hi\"","#
            + #""slash/":"</script>","unicode":"é 😀 中文 \#u{301}"}"#
        let file = try folder.read("m.safetensors")
        let header = String(decoding: file[8..<(8 + Int(file[0]) + Int(file[1]) << 8)], as: UTF8.self)
        // Compared as bytes: String comparison would forgive a change of Unicode normalisation.
        let expectedStart = Array((#"{"__metadata__":"# + expectedMetadata + ",").utf8)
        #expect(Array(header.utf8.prefix(expectedStart.count)) == expectedStart)
        let parsed = try JSONSerialization.jsonObject(with: Data(header.utf8)) as? [String: Any]
        #expect(parsed?["__metadata__"] as? [String: String] == metadata)
    }

    @Test func writeReadWriteGivesIdenticalBytes() throws {
        let folder = try TensorScratchFolder()
        defer { folder.remove() }
        var random = SeededBytes(seed: 7)
        var checkpoint = Checkpoint(metadata: ["format": "pt", "step": "1200", "note": "ü\"\\"])
        checkpoint["fc1.weight"] = Tensor(dtype: .f32, shape: [4, 3], bytes: random.bytes(48))
        checkpoint["fc1.bias"] = Tensor(dtype: .bf16, shape: [4], bytes: random.bytes(8))
        checkpoint["bn.num_batches_tracked"] = Tensor(dtype: .i64, shape: [], bytes: random.bytes(8))
        checkpoint["mask"] = Tensor(dtype: .bool, shape: [3], bytes: [1, 0, 1])
        checkpoint["q"] = Tensor(dtype: .f8e4m3, shape: [5], bytes: random.bytes(5))
        let first = folder.path("1.safetensors")
        let second = folder.path("2.safetensors")
        try SafeTensors.write(checkpoint, to: first)
        let reread = try SafeTensors.read(path: first)
        #expect(reread == checkpoint)
        #expect(reread.names == checkpoint.names)
        try SafeTensors.write(reread, to: second)
        #expect(try folder.read("1.safetensors") == folder.read("2.safetensors"))
    }

    @Test func sameContentGivesSameBytesWhateverTheInsertionOrderOfMetadata() throws {
        let folder = try TensorScratchFolder()
        defer { folder.remove() }
        let pairs = (0..<40).map { ("key\($0 * 7 % 40)", "value \($0)") }
        var forward = Checkpoint(metadata: [:])
        var backward = Checkpoint(metadata: [:])
        for (key, value) in pairs { forward.metadata[key] = value }
        for (key, value) in pairs.reversed() { backward.metadata[key] = value }
        forward["t"] = Tensor(dtype: .i32, shape: [2], bytes: countingBytes(8))
        backward["t"] = forward["t"]
        try SafeTensors.write(forward, to: folder.path("f.safetensors"))
        try SafeTensors.write(backward, to: folder.path("b.safetensors"))
        #expect(try folder.read("f.safetensors") == folder.read("b.safetensors"))
    }

    @Test func readingAForeignLayoutAndWritingItGivesTheCanonicalLayout() throws {
        let folder = try TensorScratchFolder()
        defer { folder.remove() }
        // Another writer's choices: metadata last, tensors listed out of data order, a newline as padding.
        let foreign = #"{"b":{"shape":[2],"dtype":"U8","data_offsets":[3,5]},"#
            + #""a":{"dtype":"I8","data_offsets":[0,3],"shape":[3]},"__metadata__":{"z":"1","a":"2"}}"# + "\n"
        let path = try folder.write("f.safetensors", handBuiltSafeTensors(header: foreign, data: countingBytes(5)))
        let checkpoint = try SafeTensors.read(path: path)
        #expect(checkpoint.names == ["a", "b"])
        try SafeTensors.write(checkpoint, to: folder.path("c.safetensors"))
        let canonical = #"{"__metadata__":{"a":"2","z":"1"},"a":{"dtype":"I8","shape":[3],"data_offsets":[0,3]},"#
            + #""b":{"dtype":"U8","shape":[2],"data_offsets":[3,5]}}"#
        let padded = canonical + String(repeating: " ", count: (8 - (8 + canonical.utf8.count) % 8) % 8)
        #expect(try folder.read("c.safetensors") == handBuiltSafeTensors(header: padded, data: countingBytes(5)))
    }

    @Test func writeReplacesAnExistingFileAndLeavesNoTemporaryFile() throws {
        let folder = try TensorScratchFolder()
        defer { folder.remove() }
        let path = try folder.write("r.safetensors", Array("old contents".utf8))
        var checkpoint = Checkpoint()
        checkpoint["t"] = Tensor(dtype: .u8, shape: [2], bytes: [1, 2])
        try SafeTensors.write(checkpoint, to: path)
        #expect(try SafeTensors.read(path: path) == checkpoint)
        #expect(try folder.contents() == ["r.safetensors"])
    }

    @Test func tensorCalledMetadataIsRefused() throws {
        let folder = try TensorScratchFolder()
        defer { folder.remove() }
        var checkpoint = Checkpoint()
        checkpoint["__metadata__"] = Tensor(dtype: .u8, shape: [1], bytes: [1])
        let error = mgitError { try SafeTensors.write(checkpoint, to: folder.path("x.safetensors")) }
        #expect(error?.code == .invalidInput)
        #expect(error?.message.contains("'__metadata__'") == true)
        #expect(try folder.contents().isEmpty)
    }

    /// A file written by the reference implementation (Python `safetensors` 0.8.0, `serialize_file`): one tensor
    /// of every dtype mgit reads, random bytes, a scalar, an empty tensor, `{"format": "pt"}` metadata.
    static let referenceFile = Data(base64Encoded: [
        "yAMAAAAAAAB7Il9fbWV0YWRhdGFfXyI6eyJmb3JtYXQiOiJwdCJ9LCJ0LmludDY0Ijp7ImR0eXBlIjoiSTY0Iiwic2hhcGUiOlsz",
        "LDVdLCJkYXRhX29mZnNldHMiOlswLDEyMF19LCJ0LmZsb2F0NjQiOnsiZHR5cGUiOiJGNjQiLCJzaGFwZSI6WzMsMV0sImRhdGFf",
        "b2Zmc2V0cyI6WzEyMCwxNDRdfSwic2NhbGFyIjp7ImR0eXBlIjoiRjMyIiwic2hhcGUiOltdLCJkYXRhX29mZnNldHMiOlsxNDQs",
        "MTQ4XX0sInQuZmxvYXQzMiI6eyJkdHlwZSI6IkYzMiIsInNoYXBlIjpbMywyXSwiZGF0YV9vZmZzZXRzIjpbMTQ4LDE3Ml19LCJ0",
        "LmludDMyIjp7ImR0eXBlIjoiSTMyIiwic2hhcGUiOlszLDZdLCJkYXRhX29mZnNldHMiOlsxNzIsMjQ0XX0sInQuYmZsb2F0MTYi",
        "OnsiZHR5cGUiOiJCRjE2Iiwic2hhcGUiOlszLDRdLCJkYXRhX29mZnNldHMiOlsyNDQsMjY4XX0sImVtcHR5Ijp7ImR0eXBlIjoi",
        "RjE2Iiwic2hhcGUiOlswLDRdLCJkYXRhX29mZnNldHMiOlsyNjgsMjY4XX0sInQuZmxvYXQxNiI6eyJkdHlwZSI6IkYxNiIsInNo",
        "YXBlIjpbMywzXSwiZGF0YV9vZmZzZXRzIjpbMjY4LDI4Nl19LCJ0LmludDE2Ijp7ImR0eXBlIjoiSTE2Iiwic2hhcGUiOlszLDdd",
        "LCJkYXRhX29mZnNldHMiOlsyODYsMzI4XX0sInQuZmxvYXQ4X2U0bTNmbiI6eyJkdHlwZSI6IkY4X0U0TTMiLCJzaGFwZSI6WzMs",
        "MTFdLCJkYXRhX29mZnNldHMiOlszMjgsMzYxXX0sInQuZmxvYXQ4X2U1bTIiOnsiZHR5cGUiOiJGOF9FNU0yIiwic2hhcGUiOlsz",
        "LDEyXSwiZGF0YV9vZmZzZXRzIjpbMzYxLDM5N119LCJ0LmludDgiOnsiZHR5cGUiOiJJOCIsInNoYXBlIjpbMyw4XSwiZGF0YV9v",
        "ZmZzZXRzIjpbMzk3LDQyMV19LCJ0LnVpbnQ4Ijp7ImR0eXBlIjoiVTgiLCJzaGFwZSI6WzMsOV0sImRhdGFfb2Zmc2V0cyI6WzQy",
        "MSw0NDhdfSwidC5ib29sIjp7ImR0eXBlIjoiQk9PTCIsInNoYXBlIjpbMywxMF0sImRhdGFfb2Zmc2V0cyI6WzQ0OCw0NzhdfX0g",
        "IKgVSYQQmYxrUKM9bi/llKphbjiWSsE+LO7v4rwOzbnBSe7N9KBuRMlPaMFIWMXqUZQwB6aVKH6mKDY7sg2Zh947v+9KwZpS8HOn",
        "YQC50rATTLE0+W1eovHFBWRMMvemI/piYVBnwQgLPS1H5B1apKkJPc2V5xKjPvjCvs+TGu0V9dPvLQWdnzw27G0ux1IgzQNTJy4k",
        "B4beOZIIlQ4PFgqQ0BgYBykLVTto4W4OwKd4c1G6MGt79cU0e3d5hsHEB39WIUEdqvu0JzcLhaFxzl9e4e5AmR9CFzdtzZtMiBap",
        "uKYshUlqdO4mco3t+noKNdUCsJuJPw28/0BeCAicGR2dkr5z24cnZO1/SOPiyQifGhujeiEpyUNGpuQoMrNhl02hndh3P5NqVEz5",
        "S8B8CsTjvV/m4Ur5yt+4Woddp+u7/TfsK0ljWHevLnYlhsdrNqYRzLKd8JXMThy/Sg4s86Cu+QLfO237JWeHdy2GAMPSj0n+8mW/",
        "3k9m8hcDIe+i55xPonvu//JWMkKqH8w7lLnXMeVbqH1yNQHD6MuuHR2hOf978NHnyePpL/S2bQRe/PRmhTrCsZ9aU88T5OCaDHQA",
        "AQAAAAEBAQEAAQEAAAABAQABAAABAQEBAQEAAAE=",
    ].joined())!

    @Test func referenceWrittenFileReadsAndRewritesToTheSameBytes() throws {
        let folder = try TensorScratchFolder()
        defer { folder.remove() }
        let original = [UInt8](Self.referenceFile)
        #expect(original.count == 1454)
        let path = try folder.write("ref.safetensors", original)
        let reader = try SafeTensorsReader(path: path)
        #expect(reader.metadata == ["format": "pt"])
        #expect(Set(reader.entries.map(\.dtype)) == Set(DType.allCases))
        #expect(reader.entries.first { $0.name == "empty" }?.shape == [0, 4])
        #expect(reader.entries.first { $0.name == "scalar" }?.shape == [])
        // The reference lays tensors out as mgit does (metadata first, compact JSON, space padding), so
        // writing back what was read gives the file again.
        try SafeTensors.write(reader.checkpoint(), to: folder.path("again.safetensors"))
        #expect(try folder.read("again.safetensors") == original)
    }
}
