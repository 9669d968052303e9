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

/// One broken file and the facts its error message must state.
struct CorruptFileCase: Sendable, CustomTestStringConvertible {
    let rule: String
    let bytes: [UInt8]
    let facts: [String]
    var testDescription: String { rule }

    init(_ rule: String, _ bytes: [UInt8], _ facts: [String]) {
        self.rule = rule
        self.bytes = bytes
        self.facts = facts
    }

    init(_ rule: String, header: String, data: [UInt8] = [], _ facts: [String]) {
        self.init(rule, handBuiltSafeTensors(header: header, data: data), facts)
    }
}

/// The JSON of one tensor description, spelled by hand.
private func info(_ dtype: String, _ shape: String, _ begin: Int, _ end: Int) -> String {
    #"{"dtype":"\#(dtype)","shape":\#(shape),"data_offsets":[\#(begin),\#(end)]}"#
}

@Suite struct SafeTensorsValidationTests {
    static let corruptFiles: [CorruptFileCase] = [
        // The 8-byte length prefix.
        CorruptFileCase("empty file", [], ["the file is empty"]),
        CorruptFileCase("shorter than the length prefix", [2, 0, 0, 0, 0], ["only 5 bytes", "8-byte header length"]),
        CorruptFileCase("header length above the limit", littleEndianBytes(100_000_001) + Array("{}".utf8),
                        ["header length is 100000001 bytes", "limit of 100000000"]),
        CorruptFileCase("header length 2^64-1", littleEndianBytes(.max) + Array("{}".utf8),
                        ["header length is 18446744073709551615 bytes"]),
        CorruptFileCase("header length past the end of the file", littleEndianBytes(100) + Array("{}".utf8),
                        ["header length is 100 bytes", "would end at byte 108", "file has only 10 bytes"]),
        // The header text.
        CorruptFileCase("header not UTF-8", littleEndianBytes(4) + [0x7B, 0xFF, 0xFE, 0x7D], ["not valid UTF-8"]),
        CorruptFileCase("empty header", header: "", ["not valid JSON", "unexpected end of text"]),
        CorruptFileCase("header of spaces", header: "        ", ["not valid JSON", "unexpected end of text"]),
        CorruptFileCase("header an array", header: "[]", ["the header is an array, not a JSON object"]),
        CorruptFileCase("header a string", header: #""{}""#, ["the header is a string, not a JSON object"]),
        CorruptFileCase("trailing garbage", header: "{}x", ["not valid JSON", "'x' after the end of the JSON value"]),
        CorruptFileCase("padding with NUL bytes", header: "{}\0\0", ["not valid JSON", "byte 0x00"]),
        CorruptFileCase("unterminated object", header: #"{"a":"#, ["not valid JSON", "end of text"]),
        CorruptFileCase("lone surrogate in a name", header: #"{"\ud800":{}}"#, ["lone leading surrogate \\uD800"]),
        CorruptFileCase("raw control character in a name", header: "{\"a\nb\":{}}", ["raw control character 0x0A"]),
        // Unique names.
        CorruptFileCase("duplicate tensor name",
                        header: #"{"a":\#(info("U8", "[4]", 0, 4)),"a":\#(info("U8", "[4]", 4, 8))}"#,
                        data: countingBytes(8), ["tensor 'a' appears twice"]),
        CorruptFileCase("duplicate tensor name by canonical equivalence",
                        header: #"{"\u00e9":\#(info("U8", "[4]", 0, 4)),"e\u0301":\#(info("U8", "[4]", 4, 8))}"#,
                        data: countingBytes(8), ["appears twice"]),
        CorruptFileCase("duplicate __metadata__", header: #"{"__metadata__":{},"__metadata__":{}}"#,
                        ["'__metadata__' twice"]),
        CorruptFileCase("duplicate field in a tensor",
                        header: #"{"a":{"dtype":"U8","dtype":"U8","shape":[1],"data_offsets":[0,1]}}"#,
                        data: [7], ["duplicate key \"dtype\""]),
        // __metadata__ maps strings to strings.
        CorruptFileCase("__metadata__ not an object", header: #"{"__metadata__":["a"]}"#,
                        ["'__metadata__' is an array"]),
        CorruptFileCase("__metadata__ value a number", header: #"{"__metadata__":{"epoch":1}}"#,
                        ["'__metadata__' maps 'epoch' to the number 1, not a string"]),
        CorruptFileCase("__metadata__ value an object", header: #"{"__metadata__":{"k":{}}}"#,
                        ["'__metadata__' maps 'k' to an object"]),
        // Tensor descriptions.
        CorruptFileCase("tensor description not an object", header: #"{"w":"F32"}"#,
                        ["tensor 'w' is described by a string"]),
        CorruptFileCase("missing dtype", header: #"{"w":{"shape":[1],"data_offsets":[0,1]}}"#, data: [0],
                        ["tensor 'w' has no 'dtype'"]),
        CorruptFileCase("missing shape", header: #"{"w":{"dtype":"U8","data_offsets":[0,1]}}"#, data: [0],
                        ["tensor 'w' has no 'shape'"]),
        CorruptFileCase("missing data_offsets", header: #"{"w":{"dtype":"U8","shape":[1]}}"#, data: [0],
                        ["tensor 'w' has no 'data_offsets'"]),
        CorruptFileCase("dtype mgit does not read", header: #"{"w":\#(info("F4", "[2]", 0, 1))}"#, data: [0],
                        ["tensor 'w' has dtype 'F4', which mgit cannot read", "F8_E5M2"]),
        CorruptFileCase("lower-case dtype", header: #"{"w":\#(info("f32", "[1]", 0, 4))}"#, data: countingBytes(4),
                        ["tensor 'w' has dtype 'f32', which mgit cannot read"]),
        CorruptFileCase("dtype not a string", header: #"{"w":{"dtype":4,"shape":[1],"data_offsets":[0,4]}}"#,
                        data: countingBytes(4), ["tensor 'w' has dtype the number 4, not a string"]),
        CorruptFileCase("shape not an array", header: #"{"w":{"dtype":"U8","shape":4,"data_offsets":[0,4]}}"#,
                        data: countingBytes(4), ["tensor 'w' has shape the number 4, not an array"]),
        CorruptFileCase("negative dimension", header: #"{"w":\#(info("U8", "[-1]", 0, 0))}"#,
                        ["tensor 'w' has the number -1 in its shape"]),
        CorruptFileCase("fractional dimension", header: #"{"w":\#(info("U8", "[2.0]", 0, 2))}"#,
                        data: [0, 0], ["tensor 'w' has the number 2.0 in its shape"]),
        CorruptFileCase("dimension with an exponent", header: #"{"w":\#(info("U8", "[1e1]", 0, 10))}"#,
                        data: countingBytes(10), ["tensor 'w' has the number 1e1 in its shape"]),
        CorruptFileCase("dimension beyond 64 bits", header: #"{"w":\#(info("U8", "[18446744073709551616]", 0, 0))}"#,
                        ["tensor 'w' has the number 18446744073709551616 in its shape"]),
        CorruptFileCase("dimension a string", header: #"{"w":\#(info("U8", #"["2"]"#, 0, 2))}"#, data: [0, 0],
                        ["tensor 'w' has a string in its shape"]),
        CorruptFileCase("element count × size overflows",
                        header: #"{"w":\#(info("F32", "[4611686018427387904,4]", 0, 0))}"#,
                        ["tensor 'w' has shape [4611686018427387904, 4]", "overflows 64 bits"]),
        CorruptFileCase("overflow before a zero dimension",
                        header: #"{"w":\#(info("U8", "[4294967296,4294967296,0]", 0, 0))}"#,
                        ["tensor 'w'", "overflows 64 bits"]),
        CorruptFileCase("three data_offsets", header: #"{"w":{"dtype":"U8","shape":[4],"data_offsets":[0,4,8]}}"#,
                        data: countingBytes(8), ["tensor 'w' has 3 data_offsets"]),
        CorruptFileCase("data_offsets not an array", header: #"{"w":{"dtype":"U8","shape":[4],"data_offsets":4}}"#,
                        data: countingBytes(4), ["tensor 'w' has data_offsets the number 4"]),
        CorruptFileCase("negative offset", header: #"{"w":\#(info("U8", "[4]", -4, 0))}"#,
                        ["tensor 'w' has data_offsets that are not two non-negative integers"]),
        CorruptFileCase("begin after end", header: #"{"w":\#(info("U8", "[0]", 8, 4))}"#, data: countingBytes(8),
                        ["tensor 'w' has data_offsets [8, 4]: it begins after it ends"]),
        // Byte spans cover the data section exactly.
        CorruptFileCase("span shorter than the shape", header: #"{"w":\#(info("F32", "[2]", 0, 4))}"#,
                        data: countingBytes(4),
                        ["tensor 'w' has dtype F32 and shape [2], which take 8 bytes", "[0, 4] span 4 bytes"]),
        CorruptFileCase("span longer than the shape", header: #"{"w":\#(info("BF16", "[2,2]", 0, 16))}"#,
                        data: countingBytes(16), ["tensor 'w' has dtype BF16 and shape [2, 2], which take 8 bytes"]),
        CorruptFileCase("gap before the first tensor", header: #"{"w":\#(info("U8", "[4]", 4, 8))}"#,
                        data: countingBytes(8), ["its first tensor, 'w', begins at byte 4, not 0"]),
        CorruptFileCase("gap between tensors",
                        header: #"{"a":\#(info("U8", "[4]", 0, 4)),"b":\#(info("U8", "[4]", 8, 12))}"#,
                        data: countingBytes(12),
                        ["gap", "tensor 'b' begins at byte 8 but tensor 'a' ends at byte 4"]),
        CorruptFileCase("overlapping tensors",
                        header: #"{"a":\#(info("F32", "[2]", 0, 8)),"b":\#(info("F32", "[2]", 4, 12))}"#,
                        data: countingBytes(12), ["tensor 'b' begins at byte 4, overlapping tensor 'a' which ends at byte 8"]),
        CorruptFileCase("same span twice",
                        header: #"{"a":\#(info("U8", "[4]", 0, 4)),"b":\#(info("U8", "[4]", 0, 4))}"#,
                        data: countingBytes(4), ["tensor 'b' begins at byte 0, overlapping tensor 'a'"]),
        CorruptFileCase("tensor past the end of the data",
                        header: #"{"fc1.weight":\#(info("F32", "[2]", 0, 8)),"fc2.weight":\#(info("F32", "[2]", 8, 16))}"#,
                        data: countingBytes(12),
                        ["tensor 'fc2.weight' ends at byte 16 but the data section has 12 bytes"]),
        CorruptFileCase("bytes after the last tensor", header: #"{"w":\#(info("U8", "[4]", 0, 4))}"#,
                        data: countingBytes(6),
                        ["the data section has 6 bytes but the tensors cover only the first 4", "2 bytes at the end"]),
        CorruptFileCase("data but no tensors", header: #"{}"#, data: [1],
                        ["the data section has 1 bytes but the tensors cover only the first 0"]),
    ]

    @Test(arguments: corruptFiles)
    func refusesCorruptFile(_ broken: CorruptFileCase) throws {
        let folder = try TensorScratchFolder()
        defer { folder.remove() }
        let path = try folder.write("b.safetensors", broken.bytes)
        let error = mgitError { _ = try SafeTensorsReader(path: path) }
        #expect(error?.code == .corrupt)
        let message = error?.message ?? ""
        #expect(message.hasPrefix("checkpoint '\(path)' is corrupt: "), "\(message)")
        for fact in broken.facts {
            #expect(message.contains(fact), "message \"\(message)\" should contain \"\(fact)\"")
        }
    }

    @Test func pastTheEndMessageReadsAsInTheStyleGuide() throws {
        let folder = try TensorScratchFolder()
        defer { folder.remove() }
        let header = #"{"fc1.weight":\#(info("F32", "[1048576]", 0, 4194304)),"#
            + #""fc2.weight":\#(info("F32", "[2]", 4194304, 4194312))}"#
        let path = try folder.write("b.safetensors", handBuiltSafeTensors(header: header, data: countingBytes(4194304)))
        let error = mgitError { _ = try SafeTensors.read(path: path) }
        #expect(error?.code == .corrupt)
        #expect(error?.message == "checkpoint '\(path)' is corrupt: tensor 'fc2.weight' ends at byte 4194312 but "
            + "the data section has 4194304 bytes")
    }

    @Test func missingFileIsNotFound() throws {
        let folder = try TensorScratchFolder()
        defer { folder.remove() }
        let path = folder.path("absent.safetensors")
        let error = mgitError { _ = try SafeTensorsReader(path: path) }
        #expect(error?.code == .notFound)
        #expect(error?.message.contains("'\(path)' does not exist") == true)
    }

    @Test func directoryIsAnIOError() throws {
        let folder = try TensorScratchFolder()
        defer { folder.remove() }
        let path = folder.path("model.safetensors")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        let error = mgitError { _ = try SafeTensorsReader(path: path) }
        #expect(error?.code == .io)
        #expect(error?.message.contains("'\(path)' is a directory") == true)
    }

    @Test func unreadableFileIsAnIOError() throws {
        // Root reads any file whatever its mode, so there is nothing to check as root.
        guard getuid() != 0 else { return }
        let folder = try TensorScratchFolder()
        defer { folder.remove() }
        let path = try folder.write("locked.safetensors", handBuiltSafeTensors(header: "{}"))
        try FileManager.default.setAttributes([.posixPermissions: 0], ofItemAtPath: path)
        let error = mgitError { _ = try SafeTensorsReader(path: path) }
        #expect(error?.code == .io)
        #expect(error?.message.contains("'\(path)'") == true)
    }

    // MARK: Files the reference reader accepts

    @Test(arguments: [("", "    "), ("", " "), ("", "\n"), ("", " \t\r\n"), ("", ""), (" ", ""), ("\n\t", "  ")])
    func acceptsWhitespaceAroundTheHeader(leading: String, trailing: String) throws {
        // The reference writer pads with trailing spaces; the reference reader (serde_json) also allows leading
        // whitespace.
        let folder = try TensorScratchFolder()
        defer { folder.remove() }
        let header = leading + #"{"w":\#(info("U8", "[3]", 0, 3))}"# + trailing
        let path = try folder.write("p.safetensors", handBuiltSafeTensors(header: header, data: [9, 8, 7]))
        let reader = try SafeTensorsReader(path: path)
        #expect(reader.entries == [TensorEntry(name: "w", dtype: .u8, shape: [3])])
        #expect(reader.tensor(at: 0).bytes == [9, 8, 7])
    }

    @Test func entriesComeInDataOrderWhateverTheHeaderOrder() throws {
        let folder = try TensorScratchFolder()
        defer { folder.remove() }
        // Header order c, __metadata__, a, b, e; data order a (0..<8), e and c (empty, at 8), b (8..<10).
        let header = "{"
            + #""c":\#(info("F16", "[0,5]", 8, 8)),"#
            + #""__metadata__":{"format":"pt"},"#
            + #""a":\#(info("F32", "[2]", 0, 8)),"#
            + #""b":\#(info("I16", "[]", 8, 10)),"#
            + #""e":\#(info("I64", "[3,0]", 8, 8))"#
            + "}"
        let path = try folder.write("o.safetensors", handBuiltSafeTensors(header: header, data: countingBytes(10)))
        let reader = try SafeTensorsReader(path: path)
        #expect(reader.entries.map(\.name) == ["a", "c", "e", "b"])
        #expect(reader.metadata == ["format": "pt"])
        #expect(reader.tensor(at: 0) == Tensor(dtype: .f32, shape: [2], bytes: countingBytes(8)))
        #expect(reader.tensor(at: 1) == Tensor(dtype: .f16, shape: [0, 5], bytes: []))
        #expect(reader.tensor(at: 3) == Tensor(dtype: .i16, shape: [], bytes: [8, 9]))
    }

    @Test func ignoresUnknownFieldsInATensorDescription() throws {
        // The reference reader's serde struct ignores fields it does not know.
        let folder = try TensorScratchFolder()
        defer { folder.remove() }
        let header = #"{"w":{"extra":[1,{"x":null}],"dtype":"I8","shape":[2],"data_offsets":[0,2],"more":true}}"#
        let path = try folder.write("x.safetensors", handBuiltSafeTensors(header: header, data: [0xFF, 1]))
        let checkpoint = try SafeTensors.read(path: path)
        #expect(checkpoint["w"] == Tensor(dtype: .i8, shape: [2], bytes: [0xFF, 1]))
    }

    @Test func readsEscapedNamesAndMetadata() throws {
        let folder = try TensorScratchFolder()
        defer { folder.remove() }
        let header = #"{"__metadata__":{"q\"uote":"back\\slash\/","tab":"a\tb","emoji":"\ud83d\ude00\u00e9"},"#
            + #""layer\u002e0":\#(info("BOOL", "[2]", 0, 2))}"#
        let path = try folder.write("e.safetensors", handBuiltSafeTensors(header: header, data: [0, 1]))
        let reader = try SafeTensorsReader(path: path)
        #expect(reader.entries.map(\.name) == ["layer.0"])
        #expect(reader.metadata == ["q\"uote": "back\\slash/", "tab": "a\tb", "emoji": "😀é"])
    }

    @Test func readsAnEmptyCheckpoint() throws {
        let folder = try TensorScratchFolder()
        defer { folder.remove() }
        let path = try folder.write("empty.safetensors", handBuiltSafeTensors(header: "{}      "))
        let reader = try SafeTensorsReader(path: path)
        #expect(reader.entries.isEmpty)
        #expect(reader.metadata.isEmpty)
        #expect(reader.checkpoint() == Checkpoint())
    }

    @Test func withBytesLendsTheMappedDataWithoutCopying() throws {
        let folder = try TensorScratchFolder()
        defer { folder.remove() }
        let header = #"{"a":\#(info("U8", "[3]", 0, 3)),"b":\#(info("I32", "[2]", 3, 11))}"#
        let path = try folder.write("v.safetensors", handBuiltSafeTensors(header: header, data: countingBytes(11)))
        let reader = try SafeTensorsReader(path: path)
        let a = reader.withBytes(of: 0) { ($0.baseAddress!, [UInt8]($0)) }
        let b = reader.withBytes(of: 1) { ($0.baseAddress!, [UInt8]($0)) }
        #expect(a.1 == [0, 1, 2])
        #expect(b.1 == countingBytes(8, from: 3))
        // Both views point into one mapping of the file: b's bytes start 3 bytes after a's.
        #expect(b.0 - a.0 == 3)
        #expect(reader.withBytes(of: 1) { $0.baseAddress! } == b.0)
        #expect(reader.index(of: "b") == 1)
        #expect(reader.index(of: "c") == nil)
    }
}
