/// The two words every access decision in keyscope rests on, defined once.
///
/// A capability is **internal** when it carries the tag `internal`; a key is
/// **external** when its audience is `customer` or `partner`. Validation
/// (`internal-exposure`), the access diff and the table comparison all ask
/// here, so that no module can disagree with another about either word.
public enum AccessVocabulary {
    /// The tag that marks a capability as internal to the organisation (SPEC §3).
    public static let internalTag = "internal"

    /// Whether a key of this audience (`first-party`, `internal`, `customer`, `partner`) is held
    /// outside the organisation (SPEC §3): `customer` and `partner`.
    @inline(__always)
    public static func isExternal(audience: String) -> Bool {
        audience == "customer" || audience == "partner"
    }

    /// Whether a capability with these tags is internal.
    @inline(__always)
    public static func isInternal<Tags: Sequence<String>>(tags: Tags) -> Bool {
        tags.contains(internalTag)
    }
}
