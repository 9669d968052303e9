import Foundation
import MgitInterop
import MgitTensor

/// Measures a checkpoint's loss and accuracy with a user's command, so `mgit merge` can score models it has
/// no forward pass for (docs/EVALUATORS.md).
///
/// The command runs through `/bin/sh -c` with `{checkpoint}` replaced by the shell-quoted path of a safetensors
/// file (appended as the last word when the command has no `{checkpoint}`); the path is also in
/// `MGIT_CHECKPOINT`. The last non-empty line of its stdout must be one JSON object with a numeric `loss` and,
/// optionally, `accuracy` and other numeric keys. It runs in its own process group, killed whole at the timeout.
public struct ExternalEvaluator: Sendable {
    /// The command as the user wrote it, with `{checkpoint}` placeholders.
    public var command: String
    /// Seconds before the evaluator's process group is killed.
    public var timeout: Double
    /// The working folder (default: mgit's current folder, so relative paths in the command work as typed).
    public var directory: String?

    /// Seconds an evaluator may run when `eval.timeout` is not set.
    public static let defaultTimeout = 600.0

    /// An evaluator running `command` (with `{checkpoint}` placeholders), killed after `timeout` seconds.
    public init(command: String, timeout: Double = ExternalEvaluator.defaultTimeout, directory: String? = nil) {
        self.command = command
        self.timeout = timeout
        self.directory = directory
    }

    /// The evaluator `command` (else setting `eval.command`) with setting `eval.timeout`; nil when neither names
    /// one. `setting` reads the repository's config.
    public static func configured(command: String? = nil, setting: (String) -> String?) throws -> ExternalEvaluator? {
        guard let text = command ?? setting("eval.command"),
              !text.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
        let timeout = try HookRunner.timeout(setting("eval.timeout"), key: "eval.timeout", default: defaultTimeout)
        return ExternalEvaluator(command: text, timeout: timeout)
    }

    /// The shell command line for the checkpoint at `path`.
    public func commandLine(checkpointAt path: String) -> String {
        let quoted = Self.shellQuoted(path)
        if command.contains("{checkpoint}") { return command.replacingOccurrences(of: "{checkpoint}", with: quoted) }
        return command + " " + quoted
    }

    /// Runs the evaluator on the safetensors file at `path`.
    ///
    /// - Throws: `MgitError(.external)` naming the command when it exits non-zero, is killed, times out, or its
    ///   last stdout line is not a JSON object with a numeric `loss`; the message ends with its last stderr lines.
    public func evaluate(checkpointAt path: String) throws -> EvaluatorResult {
        var environment = ProcessInfo.processInfo.environment
        environment["MGIT_CHECKPOINT"] = path
        let child = ChildProcess(executable: "/bin/sh", arguments: ["-c", commandLine(checkpointAt: path)],
                                 environment: environment,
                                 directory: directory ?? FileManager.default.currentDirectoryPath,
                                 timeout: timeout, outputCap: 1 << 20)
        let result = child.run()
        let stderr = String(decoding: result.stderr, as: UTF8.self)
        guard result.succeeded else {
            throw failure("\(result.ending(timeout: timeout))", stderr: stderr)
        }
        let stdout = String(decoding: result.stdout, as: UTF8.self)
        let lines = stdout.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        guard let last = lines.last(where: { !$0.isEmpty }) else {
            throw failure("printed nothing on stdout; its last line must be a JSON object such as "
                          + #"{"loss": 0.31, "accuracy": 0.9}"#, stderr: stderr)
        }
        return try parse(last, stderr: stderr)
    }

    /// Writes `checkpoint` to a temporary safetensors file, evaluates it and removes the file.
    public func evaluate(_ checkpoint: Checkpoint) throws -> EvaluatorResult {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mgit-eval-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("checkpoint.safetensors").path
        try SafeTensors.write(checkpoint, to: path)
        return try evaluate(checkpointAt: path)
    }

    func parse(_ line: String, stderr: String) throws -> EvaluatorResult {
        let shown = line.count > 200 ? String(line.prefix(200)) + "…" : line
        let fields: [(key: String, value: JSONValue)]
        do {
            guard case let .object(object) = try StrictJSONParser.parse(line) else { throw JSONSyntaxError(offset: 0, message: "") }
            fields = object
        } catch {
            throw failure("printed '\(shown)' as its last line, which is not a JSON object (NaN and Infinity are not "
                          + #"JSON); it must end with a line such as {"loss": 0.31, "accuracy": 0.9}"#, stderr: stderr)
        }
        var numbers: [String: Double] = [:]
        var accuracyGiven: JSONValue?
        for (key, value) in fields {
            if case let .number(text) = value, let number = Double(text) { numbers[key] = number }
            if key == "accuracy" { accuracyGiven = value }
        }
        guard let loss = numbers.removeValue(forKey: "loss") else {
            throw failure("printed '\(shown)' as its last line, which has no numeric \"loss\"", stderr: stderr)
        }
        let accuracy = numbers.removeValue(forKey: "accuracy")
        if let accuracyGiven, accuracy == nil, accuracyGiven != .null {
            throw failure("printed '\(shown)': \"accuracy\" is \(accuracyGiven.kindDescription), not a number",
                          stderr: stderr)
        }
        let result = EvaluatorResult(loss: loss, accuracy: accuracy, extra: numbers)
        if let problem = result.rangeProblem {
            throw failure("printed '\(shown)': \(problem)", stderr: stderr)
        }
        return result
    }

    private func failure(_ what: String, stderr: String) -> MgitError {
        var message = "the evaluator command '\(command)' \(what)"
        let tail = HookRunner.tail(of: stderr, lines: 5, characters: 2000)
        if !tail.isEmpty {
            message += "; the end of its stderr:\n" + tail.map { "  " + $0 }.joined(separator: "\n")
        }
        return MgitError(.external, message)
    }

    /// `path` in single quotes for `/bin/sh`, with each `'` written as `'\''`.
    package static func shellQuoted(_ path: String) -> String {
        "'" + path.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }
}
