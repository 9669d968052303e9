import Foundation
import ModelRepo

/// Prints transfer progress on stderr: one line rewritten in place on a terminal, a plain line every few
/// seconds otherwise, nothing at all in `--json` mode.
final class TransferMeter {
    private let verb: String
    private let enabled: Bool
    private let interactive: Bool
    private var lastPrint = Date.distantPast
    private var printedInPlace = false
    private var latest: TransferProgress?

    init(_ verb: String, json: Bool) {
        self.verb = verb
        enabled = !json
        interactive = TerminalDevice.isTerminal(2)
        // Without a terminal, a line only for transfers long enough to need one.
        if !interactive { lastPrint = Date() }
    }

    /// The observer to hand to ModelRepo.
    var observer: TransferObserver? {
        guard enabled else { return nil }
        return { [self] progress in self.update(progress) }
    }

    private func update(_ p: TransferProgress) {
        latest = p
        let interval = interactive ? 0.1 : 5.0
        guard Date().timeIntervalSince(lastPrint) >= interval else { return }
        lastPrint = Date()
        let line = Self.describe(verb, p)
        if interactive {
            FileHandle.standardError.write(Data("\r\(line)\u{1B}[K".utf8))
            printedInPlace = true
        } else {
            FileHandle.standardError.write(Data("\(line)\n".utf8))
        }
    }

    /// Ends the in-place line, if one was printed, with the final counts.
    func finish() {
        if printedInPlace, let latest {
            FileHandle.standardError.write(Data("\r\(Self.describe(verb, latest))\u{1B}[K\n".utf8))
        }
        printedInPlace = false
    }

    static func describe(_ verb: String, _ p: TransferProgress) -> String {
        let total = p.totalObjects > 0 ? "/\(p.totalObjects)" : ""
        let percent = p.totalObjects > 0 ? " (\(100 * p.objects / max(p.totalObjects, 1))%)" : ""
        return "\(verb): \(p.objects)\(total) objects\(percent), \(Terminal.bytes(p.bytes)), \(Terminal.bytes(Int(p.rate)))/s"
    }

    /// The summary line of a finished transfer.
    static func summary(_ r: TransferReport) -> String {
        let rate = r.seconds > 0 ? Double(r.bytes) / r.seconds : 0
        return "\(r.objects) objects, \(Terminal.bytes(r.bytes)) in \(String(format: "%.2f", r.seconds)) s "
            + "(\(Terminal.bytes(Int(rate)))/s)\(r.localFastPath ? ", local copy" : "")"
    }
}
