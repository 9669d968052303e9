import Foundation
import MgitInterop

/// Finds and runs a repository's hooks: programs that accept or reject an operation, as in git (docs/HOOKS.md).
///
/// For a hook name such as `pre-merge`, the hooks are, in this order:
/// 1. the file `<hooks folder>/pre-merge`, when it exists;
/// 2. every file in `<hooks folder>/pre-merge.d/`, in byte order of their names, skipping names that start
///    with `.` or end in `.sample` or `.disabled`.
///
/// Each runs with the caller's payload as JSON on stdin, key figures as environment variables (plus
/// `MGIT_HOOK`, `MGIT_REPO`, `MGIT_BIN`), the repository root as working folder, and in its own process group,
/// killed whole after `hooks.timeout` seconds (default 60). Exit status 0 accepts; anything else rejects:
/// a non-zero status, a signal, a timeout, or a file that cannot be run (not executable, bad interpreter).
/// Every hook runs even after one rejects, so the user sees every reason at once.
public enum HookRunner {
    /// The hook names mgit runs.
    public static let knownHooks = ["pre-merge", "pre-rebase", "post-commit"]

    /// Seconds a hook may run when `hooks.timeout` is not set.
    public static let defaultTimeout = 60.0

    /// The hook programs for `name` in `directory`, in the order they run (absolute paths).
    public static func programs(named name: String, in directory: String) -> [String] {
        let fm = FileManager.default
        var found: [String] = []
        // Anything at a hook's path is a hook, whether or not it can run: a dangling link, a folder or a
        // `<name>.d` that is a file is run and so rejects (docs/HOOKS.md), never silently skipped.
        let single = directory + "/" + name
        if exists(single) { found.append(single) }
        let folder = directory + "/" + name + ".d"
        guard exists(folder) else { return found }
        guard let names = try? fm.contentsOfDirectory(atPath: folder) else { return found + [folder] }
        // Byte order, not locale order, so `10-x` and `9-y` sort the same everywhere.
        let sorted = names.filter(isHookFileName).sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        for entry in sorted { found.append(folder + "/" + entry) }
        return found
    }

    /// Whether anything (a file, a folder, a link, even a dangling one) is at `path`.
    private static func exists(_ path: String) -> Bool { FileAccess.kind(of: path) != nil }

    /// Why the thing at `path` cannot be run as a program, or nil when it looks runnable.
    static func unrunnable(_ path: String) -> String? {
        switch FileAccess.kind(of: path, followLinks: true) {
        case nil: return "could not be run: it is a symbolic link to nothing (remove it, or point it at a program)"
        case .directory?: return "could not be run: it is a folder, not a program (remove it)"
        case .regular?: break
        default: return "could not be run: it is not a regular file (remove it)"
        }
        if path.hasSuffix(".d"), !(path as NSString).deletingLastPathComponent.hasSuffix(".d") {
            return "could not be run: it is a file, but '\((path as NSString).lastPathComponent)' must be a folder of hooks"
        }
        if !FileAccess.isExecutable(path) {
            return "could not be run: it is not executable (chmod +x '\(path)', or remove it)"
        }
        return nil
    }

    /// Whether a file in a `<name>.d/` folder counts as a hook (not hidden, not a parked copy).
    package static func isHookFileName(_ name: String) -> Bool {
        !name.hasPrefix(".") && !name.hasSuffix(".sample") && !name.hasSuffix(".disabled") && !name.hasSuffix("~")
    }

    /// Runs every hook for `name` in the repository `context` describes and returns their outcomes, in run order (empty when there is none).
    ///
    /// - Parameters:
    ///   - payload: Written to each hook's stdin as one JSON document (sorted keys) and a newline.
    ///   - environment: Key figures for the hook (`MGIT_LOSS_BARRIER`), added to mgit's own environment.
    /// - Throws: `MgitError(.invalidInput)` for a bad hook name or `hooks.timeout`; a rejection is an outcome,
    ///   not an error (see ``rejection(_:)``).
    public static func run(_ name: String, in context: HookContext, payload: some Encodable,
                           environment: [String: String] = [:]) throws -> [HookOutcome] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data: Data
        do { data = try encoder.encode(payload) } catch {
            throw MgitError(.invalidInput, "cannot encode the \(name) hook payload as JSON",
                            underlying: String(describing: error))
        }
        return try run(name, in: context, payloadJSON: data, environment: environment)
    }

    /// Runs every hook for `name` with `payloadJSON` (one JSON document, already encoded) on stdin.
    public static func run(_ name: String, in context: HookContext, payloadJSON: Data,
                           environment: [String: String] = [:]) throws -> [HookOutcome] {
        guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else {
            throw MgitError(.invalidInput, "'\(name)' is not a hook name; mgit runs \(knownHooks.joined(separator: ", "))")
        }
        let limit = context.timeout
        let programs = programs(named: name, in: context.hooksDirectory)
        if programs.isEmpty { return [] }
        let input = Array(payloadJSON) + (payloadJSON.last == 0x0A ? [] : [0x0A])
        var env = ProcessInfo.processInfo.environment
        env["MGIT_BIN"] = mgitExecutable
        for (key, value) in environment { env[key] = value }
        env["MGIT_HOOK"] = name
        env["MGIT_REPO"] = context.root
        return programs.map { path in
            run(program: path, hook: name, environment: env, directory: context.root, stdin: input, timeout: limit)
        }
    }

    package static func run(program path: String, hook: String, environment: [String: String], directory: String,
                    stdin: [UInt8], timeout: Double) -> HookOutcome {
        // posix_spawn would report EACCES too, but this says what to do about it.
        if let reason = unrunnable(path) {
            return HookOutcome(hook: hook, path: path, accepted: false, exitStatus: nil, signal: nil, timedOut: false,
                               reason: reason, stderr: "", stdout: "", seconds: 0)
        }
        let child = ChildProcess(executable: path, arguments: [], environment: environment, directory: directory,
                                 stdin: stdin, timeout: timeout)
        let result = child.run()
        var reason = result.ending(timeout: timeout)
        if result.spawnError != nil, let interpreter = shebang(of: path) {
            reason += " (its first line asks for '\(interpreter)'; is that installed?)"
        }
        return HookOutcome(hook: hook, path: path, accepted: result.succeeded, exitStatus: result.exitStatus,
                           signal: result.signal, timedOut: result.timedOut, reason: reason,
                           stderr: String(decoding: result.stderr, as: UTF8.self),
                           stdout: String(decoding: result.stdout, as: UTF8.self), seconds: result.seconds)
    }

    /// The interpreter named on a script's `#!` line.
    private static func shebang(of path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 256)) ?? Data()
        guard head.starts(with: Array("#!".utf8)) else { return nil }
        let line = String(decoding: head.dropFirst(2).prefix { $0 != 0x0A }, as: UTF8.self)
        return line.trimmingCharacters(in: .whitespaces).split(separator: " ").first.map(String.init)
    }

    /// One `MgitError(.rejected)` naming every hook that rejected, its reason and the end of its stderr;
    /// nil when all accepted.
    public static func rejection(_ outcomes: [HookOutcome]) -> MgitError? {
        let rejected = outcomes.filter { !$0.accepted }
        guard let first = rejected.first else { return nil }
        var lines = ["\(first.hook) hook\(rejected.count > 1 ? "s" : "") rejected the operation; nothing was changed"]
        for outcome in rejected {
            lines.append("  \(outcome.displayName) \(outcome.reason)")
            for line in tail(of: outcome.stderr, lines: 10, characters: 2000) { lines.append("    \(line)") }
        }
        return MgitError(.rejected, lines.joined(separator: "\n"))
    }

    /// The last `lines` non-empty lines of `text`, at most `characters` long in all.
    package static func tail(of text: String, lines: Int, characters: Int) -> [String] {
        var kept: [String] = []
        var total = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: true).reversed() {
            if kept.count == lines || total + line.count > characters { break }
            kept.append(String(line))
            total += line.count
        }
        return kept.reversed()
    }

    /// A positive number of seconds from setting `key` (`text`, as read from the config), or `default` when unset.
    public static func timeout(_ text: String?, key: String, default value: Double) throws -> Double {
        guard let text else { return value }
        guard let seconds = Double(text.trimmingCharacters(in: .whitespaces)), seconds > 0, seconds.isFinite else {
            throw MgitError(.invalidInput, "\(key) is '\(text)' in .mgit/config; it must be a positive number of "
                            + "seconds (mgit config \(key) 60)")
        }
        return seconds
    }

    /// The absolute path of the running mgit, passed to hooks as `MGIT_BIN` so they can call `"$MGIT_BIN" config`.
    public static let mgitExecutable: String = {
        if let resolved = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return resolved
        }
        let first = CommandLine.arguments.first ?? "mgit"
        return URL(fileURLWithPath: first).standardizedFileURL.resolvingSymlinksInPath().path
    }()
}
