import Foundation
internal import CLibGit2

/// An owning handle on a libgit2 remote (`git_remote *`): fetch and push over git://, ssh, https or a path.
///
/// Not `Sendable`, like ``GitRepository``: one command owns it.
package final class GitRemote {
    package let handle: OpaquePointer

    private init(handle: OpaquePointer) { self.handle = handle }

    deinit { git_remote_free(handle) }

    /// The remote named `name` in `repository`'s git config, or nil.
    package static func lookup(_ name: String, in repository: GitRepository) throws -> GitRemote? {
        var remote: OpaquePointer?
        let rc = git_remote_lookup(&remote, repository.handle, name)
        if rc == GIT_ENOTFOUND.rawValue { return nil }
        if rc == GIT_EINVALIDSPEC.rawValue {
            throw MgitError(.invalidInput, "'\(name)' is not a valid remote name")
        }
        try check(rc, "reading remote '\(name)'")
        return GitRemote(handle: remote!)
    }

    /// Adds remote `name` with the default fetch refspec (`+refs/heads/*:refs/remotes/<name>/*`).
    @discardableResult
    package static func create(_ name: String, url: String, in repository: GitRepository) throws -> GitRemote {
        var valid: Int32 = 0
        git_remote_name_is_valid(&valid, name)
        guard valid == 1 else {
            throw MgitError(.invalidInput, "'\(name)' is not a valid remote name (letters, digits, '-', '_', '.')")
        }
        var remote: OpaquePointer?
        let rc = git_remote_create(&remote, repository.handle, name, url)
        if rc == GIT_EEXISTS.rawValue {
            throw MgitError(.alreadyExists, "remote '\(name)' already exists (see 'mgit remote -v')")
        }
        try check(rc, "adding remote '\(name)' (\(url))", code: .invalidInput)
        return GitRemote(handle: remote!)
    }

    /// An in-memory remote for `url` with no configured refspecs: fetching through it moves only the refs the
    /// explicit refspecs name (a named remote also updates its tracking branches on the side, which would
    /// move refs before mgit has vetted what arrived).
    package static func anonymous(url: String, in repository: GitRepository) throws -> GitRemote {
        var remote: OpaquePointer?
        try check(git_remote_create_anonymous(&remote, repository.handle, url), "opening '\(url)'", code: .invalidInput)
        return GitRemote(handle: remote!)
    }

    /// The names of every configured remote, sorted.
    package static func names(in repository: GitRepository) throws -> [String] {
        var list = git_strarray()
        try check(git_remote_list(&list, repository.handle), "listing remotes")
        defer { git_strarray_dispose(&list) }
        return (0..<list.count).compactMap { list.strings[$0].map { String(cString: $0) } }.sorted()
    }

    package var url: String { String(cString: git_remote_url(handle)) }
    package var pushURL: String { git_remote_pushurl(handle).map { String(cString: $0) } ?? url }
    package var name: String { git_remote_name(handle).map { String(cString: $0) } ?? url }

    /// The references the remote advertises, with what they point to (tags not peeled).
    ///
    /// Connects for fetching (git-upload-pack), which every server allows, even one that refuses pushes.
    package func advertisedReferences() throws -> (refs: [String: ObjectID], defaultBranch: String?) {
        let context = TransferContext(observer: nil)
        var callbacks = context.callbacks()
        try withRetainedContext(context) {
            try check(git_remote_connect(handle, GIT_DIRECTION_FETCH, &callbacks, nil, nil),
                      "connecting to '\(url)'", code: .notFound)
        }
        defer { git_remote_disconnect(handle) }
        var heads: UnsafeMutablePointer<UnsafePointer<git_remote_head>?>?
        var count = 0
        try check(git_remote_ls(&heads, &count, handle), "listing the references of '\(url)'")
        var refs: [String: ObjectID] = [:]
        for i in 0..<count {
            guard let head = heads?[i]?.pointee else { continue }
            refs[String(cString: head.name)] = ObjectID(head.oid)
        }
        var buf = git_buf()
        var defaultBranch: String?
        if git_remote_default_branch(&buf, handle) == 0 {
            defaultBranch = String(cString: buf.ptr)
            git_buf_dispose(&buf)
        }
        return (refs, defaultBranch)
    }

    /// Fetches with explicit refspecs (`+refs/heads/*:refs/remotes/origin/*`), updating the local refs they name.
    package func fetch(_ refspecs: [String], observer: TransferObserver?) throws -> TransferProgress {
        let context = TransferContext(observer: observer)
        var options = git_fetch_options()
        git_fetch_options_init(&options, UInt32(GIT_FETCH_OPTIONS_VERSION))
        options.callbacks = context.callbacks()
        options.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE
        options.update_fetchhead = 0
        try withRetainedContext(context) {
            try withStringArray(refspecs) { specs in
                try check(git_remote_fetch(handle, &specs, &options, "mgit fetch"),
                          "fetching from '\(url)'", code: .notFound)
            }
        }
        if let stats = git_remote_stats(handle)?.pointee {
            context.last.objects = Int(stats.received_objects)
            context.last.totalObjects = Int(stats.total_objects)
            context.last.bytes = Int(stats.received_bytes)
        }
        context.last.seconds = Date().timeIntervalSince(context.start)
        return context.last
    }

    /// Pushes `refspecs` (`refs/heads/a:refs/heads/a`); returns the refs the server refused, with its reason.
    ///
    /// libgit2 builds the pack with its packbuilder, which deflates every object at zlib's default level
    /// (libgit2's `packbuilder_config` reads no `pack.compression` setting): local remotes take mgit's
    /// own path instead (``ObjectTransfer``). Delta search is limited to objects of at most 1 MiB.
    package func push(_ refspecs: [String], from repository: GitRepository,
              observer: TransferObserver?) throws -> (progress: TransferProgress, refused: [String: String]) {
        let limit = try Self.limitDeltaSearch(in: repository)
        defer { unlink(limit) }
        let context = TransferContext(observer: observer)
        var options = git_push_options()
        git_push_options_init(&options, UInt32(GIT_PUSH_OPTIONS_VERSION))
        options.callbacks = context.callbacks()
        // Tensor blobs are near-incompressible: one thread for delta search that finds nothing anyway.
        options.pb_parallelism = 1
        try withRetainedContext(context) {
            try withStringArray(refspecs) { specs in
                try check(git_remote_push(handle, &specs, &options), "pushing to '\(pushURL)'", code: .external)
            }
        }
        context.last.seconds = Date().timeIntervalSince(context.start)
        return (context.last, context.refused)
    }

    /// Keeps libgit2's packbuilder from searching deltas between blobs over 1 MiB (tensors, which never
    /// delta against each other): at 2 MiB per tensor that search cost more than the deflate itself.
    ///
    /// libgit2 takes that size limit from `pack.deltaCacheSize` (its `packbuilder_config` reads the key into
    /// both the delta cache size and `big_file_threshold`), so the key is set, for this handle only, in a
    /// config file added at the application level; the user's files are not touched.
    /// - Returns: The temporary file, to remove after the push.
    private static func limitDeltaSearch(in repository: GitRepository) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("mgit-push-\(UUID().uuidString).config").path
        try "[pack]\n\tdeltaCacheSize = 1048576\n".write(toFile: path, atomically: false, encoding: .utf8)
        var config: OpaquePointer?
        try check(git_repository_config(&config, repository.handle), "reading the repository's config")
        defer { git_config_free(config) }
        try check(git_config_add_file_ondisk(config, path, GIT_CONFIG_LEVEL_APP, repository.handle, 1),
                  "setting pack options for the push")
        return path
    }

    @discardableResult

    private func withRetainedContext<R>(_ context: TransferContext, _ body: () throws -> R) rethrows -> R {
        try withExtendedLifetime(context) { try body() }
    }
}

/// What libgit2's callbacks report into; passed to C as the callbacks' payload.
private final class TransferContext {
    package let observer: TransferObserver?
    package let start = Date()
    package var last = TransferProgress(objects: 0, totalObjects: 0, bytes: 0, seconds: 0)
    package var refused: [String: String] = [:]
    package var credentialAttempts = 0

    package init(observer: TransferObserver?) { self.observer = observer }

    package func report() {
        last.seconds = Date().timeIntervalSince(start)
        observer?(last)
    }

    /// Callbacks whose payload is this object; the caller keeps it alive while libgit2 may call them.
    package func callbacks() -> git_remote_callbacks {
        var callbacks = git_remote_callbacks()
        git_remote_init_callbacks(&callbacks, UInt32(GIT_REMOTE_CALLBACKS_VERSION))
        callbacks.payload = Unmanaged.passUnretained(self).toOpaque()
        callbacks.transfer_progress = { stats, payload in
            guard let stats = stats?.pointee, let payload else { return 0 }
            let context = Unmanaged<TransferContext>.fromOpaque(payload).takeUnretainedValue()
            context.last.objects = Int(stats.received_objects)
            context.last.totalObjects = Int(stats.total_objects)
            context.last.bytes = Int(stats.received_bytes)
            context.report()
            return 0
        }
        callbacks.push_transfer_progress = { current, total, bytes, payload in
            guard let payload else { return 0 }
            let context = Unmanaged<TransferContext>.fromOpaque(payload).takeUnretainedValue()
            context.last.objects = Int(current)
            context.last.totalObjects = Int(total)
            context.last.bytes = Int(bytes)
            context.report()
            return 0
        }
        callbacks.push_update_reference = { refname, status, payload in
            guard let payload, let refname, let status else { return 0 }
            let context = Unmanaged<TransferContext>.fromOpaque(payload).takeUnretainedValue()
            context.refused[String(cString: refname)] = String(cString: status)
            return 0
        }
        // ssh: the agent first, then the usual key files; https: no stored credentials (libgit2 asks git's helpers no).
        callbacks.credentials = { out, _, usernameFromURL, allowedTypes, payload in
            guard let out, let payload else { return Int32(GIT_PASSTHROUGH.rawValue) }
            let context = Unmanaged<TransferContext>.fromOpaque(payload).takeUnretainedValue()
            context.credentialAttempts += 1
            let user = usernameFromURL.map { String(cString: $0) } ?? NSUserName()
            guard allowedTypes & GIT_CREDENTIAL_SSH_KEY.rawValue != 0, context.credentialAttempts <= 4 else {
                return Int32(GIT_PASSTHROUGH.rawValue)
            }
            let home = FileManager.default.homeDirectoryForCurrentUser.path
            let keys = ["id_ed25519", "id_ecdsa", "id_rsa"].map { home + "/.ssh/" + $0 }
                .filter { FileManager.default.fileExists(atPath: $0) }
            if context.credentialAttempts == 1, ProcessInfo.processInfo.environment["SSH_AUTH_SOCK"] != nil {
                return git_credential_ssh_key_from_agent(out, user)
            }
            let index = context.credentialAttempts - (ProcessInfo.processInfo.environment["SSH_AUTH_SOCK"] != nil ? 2 : 1)
            guard index >= 0, index < keys.count else { return Int32(GIT_PASSTHROUGH.rawValue) }
            return git_credential_ssh_key_new(out, user, keys[index] + ".pub", keys[index], nil)
        }
        return callbacks
    }
}

/// Lends `strings` to C as a `git_strarray`.
private func withStringArray<R>(_ strings: [String], _ body: (inout git_strarray) throws -> R) rethrows -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    defer { pointers.forEach { free($0) } }
    return try pointers.withUnsafeMutableBufferPointer { buffer in
        var array = git_strarray(strings: buffer.baseAddress, count: buffer.count)
        return try body(&array)
    }
}
