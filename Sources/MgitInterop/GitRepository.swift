import Foundation
internal import CLibGit2

/// An owning handle on a libgit2 repository (`git_repository *`) and its object database.
///
/// Not `Sendable`: libgit2 handles must not be shared across threads without a lock, so each command owns one.
package final class GitRepository {
    package let handle: OpaquePointer
    private let odbHandle: OpaquePointer

    /// The `.git` folder, with a trailing slash.
    package let gitDirectory: String
    /// The working folder (the repository's top level), with a trailing slash.
    package let workDirectory: String

    private init(handle: OpaquePointer) throws {
        self.handle = handle
        var odb: OpaquePointer?
        try check(git_repository_odb(&odb, handle), "opening the object database")
        odbHandle = odb!
        gitDirectory = String(cString: git_repository_path(handle))
        workDirectory = git_repository_workdir(handle).map { String(cString: $0) } ?? gitDirectory
    }

    deinit {
        git_odb_free(odbHandle)
        git_repository_free(handle)
    }

    /// Creates a new non-bare repository at `path` whose unborn HEAD names `initialBranch`.
    package static func create(at path: String, initialBranch: String) throws -> GitRepository {
        _ = libgit2Initialized
        var options = git_repository_init_options()
        try check(git_repository_init_options_init(&options, UInt32(GIT_REPOSITORY_INIT_OPTIONS_VERSION)), "initialising options")
        options.flags = GIT_REPOSITORY_INIT_MKPATH.rawValue | GIT_REPOSITORY_INIT_NO_REINIT.rawValue
        var repo: OpaquePointer?
        let rc = initialBranch.withCString { branch in
            options.initial_head = branch
            return git_repository_init_ext(&repo, path, &options)
        }
        try check(rc, "creating a git repository at '\(path)'", code: .io)
        return try GitRepository(handle: repo!)
    }

    /// Opens the repository whose top level is `path` (no search upwards).
    package static func open(at path: String) throws -> GitRepository {
        _ = libgit2Initialized
        var repo: OpaquePointer?
        let rc = git_repository_open_ext(&repo, path, GIT_REPOSITORY_OPEN_NO_SEARCH.rawValue, nil)
        if rc < 0 && GitFailure.lastMessage().contains("safe.directory") {
            throw MgitError(.invalidInput, "the repository at '\(path)' is owned by another user, and git refuses it; "
                            + "if you trust it, run: git config --global --add safe.directory '\(path)'")
        }
        try check(rc, "opening the git repository at '\(path)'", code: .notFound)
        return try GitRepository(handle: repo!)
    }

    // MARK: Objects

    /// Makes objects written by another writer (a new pack) visible to this handle.
    package func refreshObjects() throws {
        try check(git_odb_refresh(odbHandle), "rescanning the object database")
    }

    package func contains(_ id: ObjectID) -> Bool {
        id.withGit { git_odb_exists(odbHandle, $0) } == 1
    }

    /// Reads an object's bytes and lends them to `body`; memory holds this one object.
    package func withObject<R>(_ id: ObjectID, _ what: @autoclosure () -> String,
                       _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        var object: OpaquePointer?
        try check(id.withGit { git_odb_read(&object, odbHandle, $0) }, "reading \(what()) (object \(id))", code: .corrupt)
        defer { git_odb_object_free(object) }
        let size = git_odb_object_size(object)
        let data = git_odb_object_data(object)
        return try body(UnsafeRawBufferPointer(start: data, count: size))
    }

    /// The size and type of an object without reading it.
    package func objectHeader(_ id: ObjectID) -> (size: Int, isBlob: Bool)? {
        var size = 0
        var type = GIT_OBJECT_INVALID
        guard id.withGit({ git_odb_read_header(&size, &type, odbHandle, $0) }) == 0 else { return nil }
        return (size, type == GIT_OBJECT_BLOB)
    }

    /// Writes a small blob as a loose object (manifests, descriptions): big tensors go through ``PackWriter``.
    package func writeBlob(_ bytes: UnsafeRawBufferPointer) throws -> ObjectID {
        var oid = git_oid()
        try check(git_odb_write(&oid, odbHandle, bytes.baseAddress, bytes.count, GIT_OBJECT_BLOB), "writing a blob")
        return ObjectID(oid)
    }

    package func writeBlob(_ bytes: [UInt8]) throws -> ObjectID {
        try bytes.withUnsafeBytes { try writeBlob($0) }
    }

    /// A tree entry to write: a file (blob) or a folder (tree).
    package struct TreeEntry {
        package var name: String
        package var id: ObjectID
        package var isTree: Bool
        /// The git file mode as read (`0o100644`, `0o100755`, `0o120000` link, `0o40000` tree, `0o160000`
        /// submodule); 0 for an entry about to be written, whose mode follows `isTree`.
        package var mode: Int

        /// The memberwise initializer, for the modules above this one.
        package init(name: String, id: ObjectID, isTree: Bool, mode: Int = 0) {
            self.name = name
            self.id = id
            self.isTree = isTree
            self.mode = mode
        }
    }

    /// Writes one tree object from its entries (libgit2 sorts them as git requires).
    package func writeTree(_ entries: [TreeEntry]) throws -> ObjectID {
        var builder: OpaquePointer?
        try check(git_treebuilder_new(&builder, handle, nil), "starting a tree")
        defer { git_treebuilder_free(builder) }
        for entry in entries {
            let mode = entry.isTree ? GIT_FILEMODE_TREE : GIT_FILEMODE_BLOB
            try check(entry.id.withGit { git_treebuilder_insert(nil, builder, entry.name, $0, mode) },
                      "adding '\(entry.name)' to a tree")
        }
        var oid = git_oid()
        try check(git_treebuilder_write(&oid, builder), "writing a tree")
        return ObjectID(oid)
    }

    /// The entries of a tree object.
    package func treeEntries(_ tree: ObjectID) throws -> [TreeEntry] {
        var object: OpaquePointer?
        try check(tree.withGit { git_tree_lookup(&object, handle, $0) }, "reading tree \(tree)", code: .corrupt)
        defer { git_tree_free(object) }
        return (0..<git_tree_entrycount(object)).map { i in
            let entry = git_tree_entry_byindex(object, i)
            return TreeEntry(name: String(cString: git_tree_entry_name(entry)),
                             id: ObjectID(git_tree_entry_id(entry).pointee),
                             isTree: git_tree_entry_type(entry) == GIT_OBJECT_TREE,
                             mode: Int(git_tree_entry_filemode(entry).rawValue))
        }
    }

    /// A commit object read back.
    package struct CommitObject {
        package var id: ObjectID
        package var tree: ObjectID
        package var parents: [ObjectID]
        package var message: String
        package var authorName: String
        package var authorEmail: String
        /// Seconds since 1970.
        package var time: Int64
        package var timeOffsetMinutes: Int32

        /// The memberwise initializer, for the modules above this one.
        package init(id: ObjectID, tree: ObjectID, parents: [ObjectID], message: String, authorName: String, authorEmail: String, time: Int64, timeOffsetMinutes: Int32) {
            self.id = id
            self.tree = tree
            self.parents = parents
            self.message = message
            self.authorName = authorName
            self.authorEmail = authorEmail
            self.time = time
            self.timeOffsetMinutes = timeOffsetMinutes
        }
    }

    package func commit(_ id: ObjectID) throws -> CommitObject {
        var commit: OpaquePointer?
        try check(id.withGit { git_commit_lookup(&commit, handle, $0) }, "reading commit \(id)", code: .notFound)
        defer { git_commit_free(commit) }
        let author = git_commit_author(commit)!.pointee
        return CommitObject(
            id: id,
            tree: ObjectID(git_commit_tree_id(commit).pointee),
            parents: (0..<git_commit_parentcount(commit)).map { ObjectID(git_commit_parent_id(commit, $0).pointee) },
            message: git_commit_message(commit).map { String(cString: $0) } ?? "",
            authorName: String(cString: author.name),
            authorEmail: String(cString: author.email),
            time: author.when.time,
            timeOffsetMinutes: author.when.offset)
    }

    /// An author or committer: name, email and time.
    package struct Person {
        package var name: String
        package var email: String
        package var time: Date = Date()

        /// The memberwise initializer, for the modules above this one.
        package init(name: String, email: String, time: Date = Date()) {
            self.name = name
            self.email = email
            self.time = time
        }
    }

    /// The `user.name` / `user.email` from git config, or a placeholder that says where to set them.
    package func defaultPerson() -> Person {
        var signature: UnsafeMutablePointer<git_signature>?
        if git_signature_default(&signature, handle) == 0, let s = signature {
            defer { git_signature_free(s) }
            return Person(name: String(cString: s.pointee.name), email: String(cString: s.pointee.email))
        }
        return Person(name: "mgit", email: "mgit@localhost")
    }

    @discardableResult

    private func withSignature<R>(_ person: Person, _ body: (UnsafePointer<git_signature>) throws -> R) throws -> R {
        var signature: UnsafeMutablePointer<git_signature>?
        let seconds = Int64(person.time.timeIntervalSince1970.rounded(.down))
        let offset = Int32(TimeZone.current.secondsFromGMT(for: person.time) / 60)
        try check(git_signature_new(&signature, person.name, person.email, seconds, offset),
                  "making a signature for '\(person.name) <\(person.email)>'", code: .invalidInput)
        defer { git_signature_free(signature) }
        return try body(signature!)
    }

    /// Writes a commit object; no reference moves (see ``updateReference``).
    package func writeCommit(tree: ObjectID, parents: [ObjectID], message: String, author: Person, committer: Person) throws -> ObjectID {
        var treeObject: OpaquePointer?
        try check(tree.withGit { git_tree_lookup(&treeObject, handle, $0) }, "reading tree \(tree)")
        defer { git_tree_free(treeObject) }
        var parentObjects: [OpaquePointer?] = []
        defer { parentObjects.forEach { git_commit_free($0) } }
        for parent in parents {
            var p: OpaquePointer?
            try check(parent.withGit { git_commit_lookup(&p, handle, $0) }, "reading parent commit \(parent)")
            parentObjects.append(p)
        }
        var oid = git_oid()
        try withSignature(author) { a in
            try withSignature(committer) { c in
                try parentObjects.withUnsafeMutableBufferPointer { buffer in
                    try check(git_commit_create(&oid, handle, nil, a, c, nil, message, treeObject, parents.count,
                                                buffer.baseAddress), "writing a commit")
                }
            }
        }
        return ObjectID(oid)
    }

    // MARK: References

    /// The commit a reference points to (peeling tags), or nil when it does not exist.
    package func referenceTarget(_ name: String) throws -> ObjectID? {
        var oid = git_oid()
        let rc = git_reference_name_to_id(&oid, handle, name)
        if rc == GIT_ENOTFOUND.rawValue { return nil }
        try check(rc, "reading reference '\(name)'")
        return ObjectID(oid)
    }

    /// Moves (or creates) `name` to `target` only if it still points to `expected` (nil: must not exist yet).
    ///
    /// This compare-and-swap is the commit point of every mgit write: objects written before it are unreachable
    /// until it succeeds, so a crash or a concurrent writer never leaves a ref to a half-written commit.
    package func updateReference(_ name: String, to target: ObjectID, expected: ObjectID?, logMessage: String) throws {
        var ref: OpaquePointer?
        let rc: Int32 = LockJournal.recording([name + ".lock"], in: gitDirectory) { target.withGit { t in
            if let expected {
                return expected.withGit { e in git_reference_create_matching(&ref, handle, name, t, 1, e, logMessage) }
            }
            return git_reference_create(&ref, handle, name, t, 0, logMessage)
        } }
        if rc == GIT_EEXISTS.rawValue || rc == GIT_EMODIFIED.rawValue {
            throw MgitError(.busy, "'\(name)' was changed by another process meanwhile; nothing was changed, try again")
        }
        try check(rc, "updating '\(name)'")
        git_reference_free(ref)
    }

    /// Deletes a reference.
    package func deleteReference(_ name: String) throws {
        var ref: OpaquePointer?
        try check(git_reference_lookup(&ref, handle, name), "reading '\(name)'", code: .notFound)
        defer { git_reference_free(ref) }
        try LockJournal.recording([name + ".lock", "packed-refs.lock"], in: gitDirectory) {
            _ = try check(git_reference_delete(ref), "deleting '\(name)'")
        }
    }

    /// All references whose names match a glob (`refs/heads/*`), with the commits they point to (tags peeled).
    package func references(matching glob: String) throws -> [(name: String, target: ObjectID)] {
        var iterator: OpaquePointer?
        try check(git_reference_iterator_glob_new(&iterator, handle, glob), "listing references")
        defer { git_reference_iterator_free(iterator) }
        var out: [(String, ObjectID)] = []
        var ref: OpaquePointer?
        while git_reference_next(&ref, iterator) == 0 {
            defer { git_reference_free(ref) }
            let name = String(cString: git_reference_name(ref))
            var peeled: OpaquePointer?
            if git_reference_peel(&peeled, ref, GIT_OBJECT_COMMIT) == 0 {
                out.append((name, ObjectID(git_object_id(peeled).pointee)))
                git_object_free(peeled)
            }
        }
        return out.sorted { $0.0 < $1.0 }
    }

    /// The reference HEAD names (`refs/heads/main`), even when that branch has no commit yet.
    package func headReferenceName() throws -> String? {
        var ref: OpaquePointer?
        let rc = git_reference_lookup(&ref, handle, "HEAD")
        guard rc == 0 else { return nil }
        defer { git_reference_free(ref) }
        guard git_reference_type(ref) == GIT_REFERENCE_SYMBOLIC else { return nil }
        return String(cString: git_reference_symbolic_target(ref))
    }

    /// Points HEAD at a branch reference.
    package func setHead(_ referenceName: String) throws {
        try LockJournal.recording(["HEAD.lock"], in: gitDirectory) {
            _ = try check(git_repository_set_head(handle, referenceName), "switching HEAD to '\(referenceName)'")
        }
    }

    /// Resolves a revision (`main`, `v1`, `a1b2c3`, `HEAD~2`, `main^2`) to a commit.
    package func resolveCommit(_ revision: String) throws -> ObjectID {
        var object: OpaquePointer?
        let rc = git_revparse_single(&object, handle, revision)
        if rc < 0 {
            let detail = GitFailure.lastMessage()
            if rc == GIT_EAMBIGUOUS.rawValue {
                throw MgitError(.invalidInput, "revision '\(revision)' is ambiguous: give more digits of the commit id")
            }
            throw MgitError(.notFound, "unknown revision '\(revision)': name a branch, tag or commit (see 'mgit log')",
                            underlying: detail)
        }
        defer { git_object_free(object) }
        var commit: OpaquePointer?
        guard git_object_peel(&commit, object, GIT_OBJECT_COMMIT) == 0 else {
            throw MgitError(.invalidInput, "revision '\(revision)' does not name a commit")
        }
        defer { git_object_free(commit) }
        return ObjectID(git_object_id(commit).pointee)
    }

    /// Checks a branch or tag name the way git does (`git check-ref-format`).
    package func isValidReferenceName(_ name: String) -> Bool {
        git_reference_is_valid_name(name) == 1
    }

    // MARK: Notes

    /// The note attached to `commit` in the notes history whose head is `notesCommit`.
    package func note(on commit: ObjectID, notesCommit: ObjectID) throws -> String? {
        var notes: OpaquePointer?
        try check(notesCommit.withGit { git_commit_lookup(&notes, handle, $0) }, "reading notes commit \(notesCommit)")
        defer { git_commit_free(notes) }
        var note: OpaquePointer?
        let rc = commit.withGit { git_note_commit_read(&note, handle, notes, $0) }
        if rc == GIT_ENOTFOUND.rawValue { return nil }
        try check(rc, "reading the note on \(commit)")
        defer { git_note_free(note) }
        return String(cString: git_note_message(note))
    }

    /// Writes a new notes commit on top of `parent` with `text` attached to `commit`; no reference moves.
    package func writeNote(_ text: String, on commit: ObjectID, parent: ObjectID?, person: Person) throws -> ObjectID {
        var parentCommit: OpaquePointer?
        if let parent {
            try check(parent.withGit { git_commit_lookup(&parentCommit, handle, $0) }, "reading notes commit \(parent)")
        }
        defer { git_commit_free(parentCommit) }
        var out = git_oid()
        try withSignature(person) { s in
            try check(commit.withGit { git_note_commit_create(&out, nil, handle, parentCommit, s, s, $0, text, 1) },
                      "writing the note on \(commit)")
        }
        return ObjectID(out)
    }

    // MARK: Config

    /// Reads a string from the repository's git config (`.git/config` and the user's), or nil.
    package func configString(_ key: String) -> String? {
        var config: OpaquePointer?
        guard git_repository_config_snapshot(&config, handle) == 0 else { return nil }
        defer { git_config_free(config) }
        var buf = git_buf()
        guard git_config_get_string_buf(&buf, config, key) == 0 else { return nil }
        defer { git_buf_dispose(&buf) }
        return String(cString: buf.ptr)
    }
}

extension GitRepository {
    /// Commits reachable from `start`, newest first (git log order: by time, parents after children).
    package func history(from start: ObjectID, limit: Int?, firstParent: Bool = false) throws -> [ObjectID] {
        var walk: OpaquePointer?
        try check(git_revwalk_new(&walk, handle), "walking history")
        defer { git_revwalk_free(walk) }
        git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL.rawValue | GIT_SORT_TIME.rawValue)
        if firstParent { git_revwalk_simplify_first_parent(walk) }
        try check(start.withGit { git_revwalk_push(walk, $0) }, "walking history from \(start)")
        var out: [ObjectID] = []
        var oid = git_oid()
        while git_revwalk_next(&oid, walk) == 0 {
            out.append(ObjectID(oid))
            if let limit, out.count >= limit { break }
        }
        return out
    }

    /// Makes the index match `tree` with every entry marked skip-worktree, so that `git status` is clean
    /// although mgit keeps no files in the working folder.
    package func resetIndex(to tree: ObjectID?) throws {
        var index: OpaquePointer?
        try check(git_repository_index(&index, handle), "opening the git index")
        defer { git_index_free(index) }
        if let tree {
            var treeObject: OpaquePointer?
            try check(tree.withGit { git_tree_lookup(&treeObject, handle, $0) }, "reading tree \(tree)")
            defer { git_tree_free(treeObject) }
            try check(git_index_read_tree(index, treeObject), "reading tree \(tree) into the index")
            for i in 0..<git_index_entrycount(index) {
                guard let entry = git_index_get_byindex(index, i) else { continue }
                var copy = entry.pointee
                copy.flags |= UInt16(GIT_INDEX_ENTRY_EXTENDED.rawValue)
                copy.flags_extended |= UInt16(GIT_INDEX_ENTRY_SKIP_WORKTREE.rawValue)
                try check(git_index_add(index, &copy), "updating the index")
            }
        } else {
            try check(git_index_clear(index), "clearing the index")
        }
        try LockJournal.recording(["index.lock"], in: gitDirectory) {
            _ = try check(git_index_write(index), "writing the git index")
        }
    }
}
