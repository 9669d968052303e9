import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
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

/// BarrierPlot's SVG parses as XML and carries every point and label; the terminal chart has its documented
/// shape and puts each series' maximum on the top row.
@Suite struct BarrierPlotTests {
    /// A bump of height `barrier` over a straight line from `a` to `b`, on `count` evenly spaced λ.
    static func curve(_ label: String, count: Int, a: Double, b: Double, barrier: Double,
                      accuracy: Bool = true) -> BarrierCurve {
        BarrierCurve(label: label, points: (0..<count).map { i in
            let l = Double(i) / Double(count - 1)
            let loss = (1 - l) * a + l * b + barrier * 4 * l * (1 - l)
            return BarrierPoint(lambda: l, loss: loss, accuracy: accuracy ? 0.9 - 0.3 * 4 * l * (1 - l) : nil)
        })
    }

    static let naive = curve("naive <B as trained>", count: 11, a: 0.3, b: 0.35, barrier: 1.4)
    static let aligned = curve("aligned & permuted", count: 21, a: 0.3, b: 0.35, barrier: 0.05)

    @Test func barriersFollowTheDefinition() throws {
        // Bump height at λ = 0.5 is exactly `barrier` above the chord.
        #expect(abs(try #require(Self.naive.lossBarrier) - 1.4) < 1e-12)
        #expect(abs(try #require(Self.aligned.lossBarrier) - 0.05) < 1e-12)
        #expect(abs(try #require(Self.naive.accuracyBarrier) - 0.3) < 1e-12)
        #expect(BarrierCurve(label: "x", points: [BarrierPoint(lambda: 0, loss: 1)]).lossBarrier == nil)
        #expect(Self.curve("n", count: 3, a: 1, b: 1, barrier: 0, accuracy: false).accuracyBarrier == nil)
    }

    /// Collects what the SVG's elements say.
    final class Collector: NSObject, XMLParserDelegate {
        var polylines: [(cls: String, points: [String])] = []
        var texts: [String] = []
        var current = ""
        var inText = false
        var elements: [String] = []

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            elements.append(name)
            if name == "polyline" {
                polylines.append((attributes["class"] ?? "", (attributes["points"] ?? "").split(separator: " ").map(String.init)))
            }
            if name == "text" || name == "title" { inText = true; current = "" }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) { if inText { current += string } }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            if name == "text" || name == "title" { texts.append(current); inText = false }
        }
    }

    @Test func svgIsWellFormedAndCarriesBothSeries() throws {
        let plot = BarrierPlot(title: "teamA ← teamB \"merge\"", naive: .init(Self.naive),
                               aligned: .init(Self.aligned, lossBarrier: 0.051))
        let svg = plot.svg()
        let parser = XMLParser(data: Data(svg.utf8))
        let collector = Collector()
        parser.delegate = collector
        #expect(parser.parse(), "\(String(describing: parser.parserError))")
        #expect(collector.elements.first == "svg")
        #expect(!svg.contains("href"), "no external resources")
        // Two panels × two series, each with one coordinate pair per point.
        #expect(collector.polylines.map(\.cls) == ["series-0", "series-1", "series-0", "series-1"])
        #expect(collector.polylines.map(\.points.count) == [11, 21, 11, 21])
        for (_, points) in collector.polylines {
            #expect(points.allSatisfy { $0.split(separator: ",").count == 2 && $0.split(separator: ",").allSatisfy { Double($0) != nil } })
        }
        let texts = collector.texts
        #expect(texts.contains("teamA ← teamB \"merge\""))
        #expect(texts.contains("naive <B as trained>: loss barrier 1.4, accuracy barrier 0.3"))
        #expect(texts.contains("aligned & permuted: loss barrier 0.051, accuracy barrier 0.3"))
        #expect(texts.contains("Loss along the path") && texts.contains("Accuracy along the path"))
        #expect(texts.contains("loss") && texts.contains("accuracy"))
        #expect(texts.filter { $0.hasPrefix("λ") }.count == 2)
        #expect(texts.contains("0") && texts.contains("1") && texts.contains("0.5"))
    }

    /// Higher loss is drawn higher (smaller y) and λ runs left to right.
    @Test func svgCoordinatesFollowTheData() throws {
        let plot = BarrierPlot(title: "t", naive: .init(Self.naive))
        let collector = Collector()
        let parser = XMLParser(data: Data(plot.svg().utf8))
        parser.delegate = collector
        #expect(parser.parse())
        let loss = try #require(collector.polylines.first).points.map { $0.split(separator: ",").map { Double($0)! } }
        #expect(zip(loss, loss.dropFirst()).allSatisfy { $0[0] < $1[0] })
        let peak = loss.min { $0[1] < $1[1] }!
        #expect(peak == loss[5], "λ = 0.5 has the highest loss, so the smallest y")
    }

    @Test func svgWithoutAccuraciesSaysSo() throws {
        let plot = BarrierPlot(title: "t", naive: .init(Self.curve("naive", count: 5, a: 1, b: 1, barrier: 1, accuracy: false)))
        let collector = Collector()
        let parser = XMLParser(data: Data(plot.svg().utf8))
        parser.delegate = collector
        #expect(parser.parse())
        #expect(collector.polylines.map(\.points.count) == [5])
        #expect(collector.texts.contains("no accuracy measured"))
        #expect(collector.texts.contains("naive: loss barrier 1"))
    }

    @Test(arguments: [(60, 12), (40, 8)])
    func terminalChartHasItsShapeAndMarksTheMaximum(width: Int, height: Int) throws {
        let plot = BarrierPlot(title: "teamA <- teamB", naive: .init(Self.naive), aligned: .init(Self.aligned))
        let chart = plot.terminalChart(width: width, height: height)
        #expect(!chart.contains("\u{1B}"), "no colour codes")
        let lines = chart.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        #expect(lines.count == height + 6)
        #expect(lines[0] == "teamA <- teamB")
        #expect(lines[1] == "loss   * naive <B as trained> (barrier 1.4)   o aligned & permuted (barrier 0.05)")
        let rows = Array(lines[2..<(2 + height)])
        let prefix = BarrierPlot.axisLabelWidth + 2
        for row in rows {
            #expect(row.count == prefix + width)
            #expect(Array(row)[prefix - 1] == "|")
        }
        #expect(lines[2 + height] == String(repeating: " ", count: BarrierPlot.axisLabelWidth) + " +"
                + String(repeating: "-", count: width))
        // The top row is the naive maximum (λ = 0.5, loss 0.3 + 0.025 + 1.4), the bottom row the lowest loss.
        let top = Array(rows[0]), bottom = Array(rows[height - 1])
        let middle = prefix + Int((0.5 * Double(width - 1)).rounded())
        #expect(top[middle] == "*")
        #expect(top.filter { $0 == "*" || $0 == "#" }.count >= 1)
        #expect(!top.contains("o"))
        #expect(rows[0].hasPrefix("     1.725 |"))
        #expect(rows[height - 1].hasPrefix("       0.3 |"))
        // Both end points are shared by the two series (equal losses at λ = 0 and 1).
        #expect(bottom[prefix] == BarrierPlot.overlapMark)
        // The aligned curve stays in the bottom rows; every column has a naive or shared mark.
        for c in prefix..<(prefix + width) {
            #expect(rows.contains { Array($0)[c] == "*" || Array($0)[c] == "#" }, "column \(c - prefix) has no naive mark")
        }
        #expect(rows.dropLast(2).allSatisfy { !$0.contains("o") })
        #expect(lines.last == "highest loss: naive <B as trained> 1.725 at λ=0.5, aligned & permuted 0.378 at λ=0.6")
    }

    @Test func flatCurveStillDraws() {
        let flat = BarrierCurve(label: "flat", points: [BarrierPoint(lambda: 0, loss: 2), BarrierPoint(lambda: 1, loss: 2)])
        let chart = BarrierPlot(title: "t", naive: .init(flat)).terminalChart()
        let lines = chart.split(separator: "\n").map(String.init)
        #expect(lines.count == 12 + 6)
        // The legend line and the one row both points share (the middle of the widened range).
        #expect(lines.filter { $0.contains("*") }.count == 2)
        #expect(lines[2 + 6].hasSuffix("|" + String(repeating: "*", count: 60)))
    }
}

