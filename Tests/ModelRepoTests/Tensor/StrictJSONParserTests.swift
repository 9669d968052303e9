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

@Suite struct StrictJSONParserTests {
    @Test func parsesNestedValuesKeepingKeyOrderAndNumberText() throws {
        let value = try StrictJSONParser.parse(#" {"b":[1,-0.5e+3,{"x":null}],"a":true,"c":false,"d":"s","e":[],"f":{}} "#)
        #expect(value == .object([
            ("b", .array([.number("1"), .number("-0.5e+3"), .object([("x", .null)])])),
            ("a", .bool(true)),
            ("c", .bool(false)),
            ("d", .string("s")),
            ("e", .array([])),
            ("f", .object([])),
        ]))
    }

    /// Valid strings, each checked against Foundation's parser as an independent reference.
    @Test(arguments: [
        #""plain""#,
        #""\"\\\/\b\f\n\r\t""#,
        #""\u0041\u00e9\u4E2D\uD83D\uDE00""#,
        #""raw é 中 😀""#,
        #""\u0000 nul""#,
        #""""#,
    ])
    func stringsDecodeAsFoundationDecodesThem(literal: String) throws {
        let ours = try StrictJSONParser.parse(literal)
        let reference = try JSONSerialization.jsonObject(with: Data(literal.utf8), options: .fragmentsAllowed) as? String
        guard case let .string(text) = ours else {
            Issue.record("not a string: \(ours)")
            return
        }
        // Compare scalars: String equality would forgive a change of normalisation.
        #expect(Array(text.unicodeScalars) == Array((reference ?? "<nil>").unicodeScalars))
    }

    @Test func surrogatePairBecomesOneScalar() throws {
        #expect(try StrictJSONParser.parse(#""\ud83d\ude00""#) == .string("\u{1F600}"))
    }

    @Test(arguments: ["0", "-0", "12", "1.5", "1e10", "1E-2", "-12.25e+7", "18446744073709551616"])
    func acceptsNumbersOfTheGrammar(text: String) throws {
        #expect(try StrictJSONParser.parse(text) == .number(text))
    }

    @Test func nonNegativeIntegersAreExactlyPlainDigitStrings() {
        #expect(JSONValue.number("0").nonNegativeInteger == 0)
        #expect(JSONValue.number("9223372036854775807").nonNegativeInteger == Int.max)
        #expect(JSONValue.number("9223372036854775808").nonNegativeInteger == nil)
        #expect(JSONValue.number("-0").nonNegativeInteger == nil)
        #expect(JSONValue.number("1.0").nonNegativeInteger == nil)
        #expect(JSONValue.number("1e2").nonNegativeInteger == nil)
        #expect(JSONValue.string("1").nonNegativeInteger == nil)
    }

    /// Texts that are not exactly one JSON value, with a piece of the expected message.
    @Test(arguments: [
        (#"{"a":1,"a":2}"#, "duplicate key \"a\""),
        (#"{"o":{"k":1,"k":1}}"#, "duplicate key \"k\""),
        (#"{} {}"#, "after the end of the JSON value"),
        (#"[1] x"#, "after the end of the JSON value"),
        (#"{"a":1,}"#, "expected a string key"),
        (#"[1,]"#, "where a value was expected"),
        (#"[1 2]"#, "',' or ']'"),
        (#"{"a" 1}"#, "':'"),
        (#"{'a':1}"#, "expected a string key"),
        (#"01"#, "leading zero"),
        (#"-"#, "expected a digit"),
        (#"1."#, "after the decimal point"),
        (#"1e"#, "in an exponent"),
        (#"+1"#, "where a value was expected"),
        (#"NaN"#, "where a value was expected"),
        (#"Infinity"#, "where a value was expected"),
        (#"tru"#, "where a value was expected"),
        (#"nul"#, "where a value was expected"),
        (#""abc"#, "never closed"),
        ("\"a\tb\"", "raw control character 0x09"),
        (#""\x""#, "invalid escape \\'x'"),
        (#""\u12G4""#, "not a hex digit"),
        (#""\u12""#, "not a hex digit"),
        (#""\ud800""#, "lone leading surrogate \\uD800"),
        (#""\ud800\u0041""#, "followed by \\u0041"),
        (#""\udc00""#, "lone trailing surrogate \\uDC00"),
        ("", "unexpected end of text"),
        ("   ", "unexpected end of text"),
    ])
    func refusesMalformedText(text: String, fact: String) {
        do {
            let value = try StrictJSONParser.parse(text)
            Issue.record("parsed \(value)")
        } catch {
            #expect(error.message.contains(fact), "\(error.message)")
        }
    }

    @Test func duplicateKeyReportsKeyAndDepth() {
        do {
            _ = try StrictJSONParser.parse(#"{"x":{"k":1,"k":2}}"#)
            Issue.record("duplicate accepted")
        } catch {
            #expect(error.duplicateKey == "k")
            #expect(error.depth == 2)
            #expect(error.offset == 12)
        }
    }

    @Test func invalidUTF8InAStringIsRefused() {
        let bytes: [UInt8] = [0x22, 0x61, 0xC3, 0x28, 0x22]  // "a\xC3(" : a lead byte without its continuation
        bytes.withUnsafeBytes { raw in
            #expect(!StrictJSONParser.isValidUTF8(raw))
            do {
                _ = try StrictJSONParser.parse(raw)
                Issue.record("accepted invalid UTF-8")
            } catch {
                #expect((error as? JSONSyntaxError)?.message.contains("not valid UTF-8") == true)
            }
        }
    }

    @Test func utf8ValidityMatchesTheStandardLibrary() {
        let samples: [[UInt8]] = [
            Array("héllo 😀".utf8), [0xED, 0xA0, 0x80], [0xC0, 0xAF], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82],
            [0x7F], [0xF0, 0x9F, 0x98, 0x80],
        ]
        for sample in samples {
            let expected = String(validating: sample, as: UTF8.self) != nil
            #expect(sample.withUnsafeBytes { StrictJSONParser.isValidUTF8($0) } == expected, "\(sample)")
        }
    }

    @Test func nestingIsLimited() throws {
        let deep = String(repeating: "[", count: StrictJSONParser.maxDepth)
            + String(repeating: "]", count: StrictJSONParser.maxDepth)
        #expect(try StrictJSONParser.parse(deep) != .null)
        let tooDeep = "[" + deep + "]"
        do {
            _ = try StrictJSONParser.parse(tooDeep)
            Issue.record("accepted \(StrictJSONParser.maxDepth + 1) levels")
        } catch {
            #expect(error.message.contains("nesting deeper than 128"))
        }
        // Far deeper input must not overflow the stack either.
        #expect(throws: JSONSyntaxError.self) { try StrictJSONParser.parse(String(repeating: "[", count: 100_000)) }
    }
}
