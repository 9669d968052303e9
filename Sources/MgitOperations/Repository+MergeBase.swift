import MgitStore

extension Repository {
    /// The commit the revisions were all developed from (``CheckpointStore/mergeBase(of:)``), or nil.
    public func mergeBase(of revisions: [String]) throws -> String? { try store.mergeBase(of: revisions) }
}
