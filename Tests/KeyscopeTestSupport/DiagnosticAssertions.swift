import KeyscopePolicy

/// What a test expects of one finding: a marker for its position, its rule, and optionally its message and notes.
public struct DiagnosticSpec: Sendable {
    public var marker: String
    public var file: String
    public var rule: RuleID
    public var message: String?
    public var severity: Severity?
    public var noteMarkers: [String]

    public init(
        _ marker: String, in file: String = "policy.yaml", rule: RuleID, message: String? = nil,
        severity: Severity? = nil, notes: [String] = []
    ) {
        self.marker = marker
        self.file = file
        self.rule = rule
        self.message = message
        self.severity = severity
        self.noteMarkers = notes
    }
}

/// Validates marked sources and compares findings with specs; returns mismatch descriptions (empty when all match).
public func diagnosticMismatches(
    files: [String: String], checkDate: String = "2026-11-27", expect specs: [DiagnosticSpec],
    ignoring ignoredRules: Set<RuleID> = []
) -> [String] {
    var marked: [String: MarkedText] = [:]
    var sources: [SourceFile] = []
    for (path, text) in files.sorted(by: { $0.key < $1.key }) {
        let m = MarkedText(text)
        marked[path] = m
        sources.append(SourceFile(path: path, text: m.text))
    }
    let loaded = PolicyLoader().load(files: sources)
    let result = PolicyValidator.validate(loaded, checkDate: CalendarDate(parsing: checkDate)!)
    var remaining = result.diagnostics.filter { !ignoredRules.contains($0.rule) }
    var problems: [String] = []
    for spec in specs {
        guard let markedFile = marked[spec.file] else {
            problems.append("no file \(spec.file)")
            continue
        }
        let location = markedFile.location(spec.marker, file: spec.file)
        let index = remaining.firstIndex { d in
            d.rule == spec.rule && d.location == location && (spec.message == nil || d.message == spec.message)
                && (spec.severity == nil || d.severity == spec.severity)
        }
        guard let index else {
            problems.append(
                "expected [\(spec.rule)] at \(location)\(spec.message.map { ": \($0)" } ?? ""); got: "
                    + remaining.map { "[\($0.rule)] \($0.location): \($0.message)" }.joined(separator: "; "))
            continue
        }
        let found = remaining.remove(at: index)
        let expectedNotes = spec.noteMarkers.map { marker -> SourceLocation in
            for (path, m) in marked where m.markers[marker] != nil { return m.location(marker, file: path) }
            return SourceLocation(file: "?", line: 0, column: 0)
        }
        if !spec.noteMarkers.isEmpty && found.notes.map(\.location) != expectedNotes {
            problems.append(
                "[\(spec.rule)] at \(location): notes at \(found.notes.map(\.location)), expected \(expectedNotes)")
        }
    }
    for extra in remaining {
        problems.append("unexpected [\(extra.rule)] \(extra.location): \(extra.message)")
    }
    return problems
}
