import KeyscopeAccess

/// What one file contributed: its documents as model values, and its findings.
struct DecodedFile: Sendable {
    var products: [Product] = []
    var teams: [Team] = []
    var keySets: [KeySet] = []
    var settings: [Settings] = []
    var documentCount = 0
    var diagnostics: [Diagnostic] = []
}

/// Reads one file strictly and decodes its documents (SPEC §2).
///
/// Every document is first checked against its kind's schema, which reports
/// all mismatches; the model is then built from what passed, so a document
/// with one bad field still contributes its other fields to later rules.
struct PolicyDecoder {
    var reader: StrictYAMLReader

    func decode(_ file: SourceFile) -> DecodedFile {
        var result = DecodedFile()
        let read = reader.read(file)
        for problem in read.problems {
            var notes: [DiagnosticNote] = []
            if let related = problem.related {
                notes.append(
                    DiagnosticNote(
                        problem.code == .duplicateKey ? "first defined here" : "context starts here", at: related))
            }
            // A file with no document holds nothing to get wrong: placeholder files are common.
            let severity: Severity = problem.code == .empty ? .warning : .error
            result.diagnostics.append(
                Diagnostic(
                    severity, YAMLSyntax.id, problem.message, at: problem.location, notes: notes, help: problem.help))
        }
        result.documentCount = read.documents.count
        var checker = SchemaChecker()
        for document in read.documents {
            decodeDocument(document, checker: &checker, into: &result)
        }
        result.diagnostics += checker.diagnostics
        return result
    }

    private func decodeDocument(_ document: YAMLDocument, checker: inout SchemaChecker, into result: inout DecodedFile)
    {
        guard case .mapping(let root) = document.root else {
            checker.report(
                "a document must be a mapping with `apiVersion` and `kind`, found \(document.root.kindName)",
                at: document.root.location)
            return
        }
        guard let kindEntry = root["kind"], kindEntry.value.locatedScalar != nil else {
            checker.report(
                "missing required field `kind`", at: root.location,
                help: "one of: \(PolicySchema.kinds.map(\.kind).joined(separator: ", "))")
            return
        }
        guard case .scalar(let kind) = kindEntry.value,
            let schema = PolicySchema.kinds.first(where: { $0.kind == kind.value })?.schema
        else {
            let value: String = if case .scalar(let s) = kindEntry.value { s.value } else { kindEntry.value.kindName }
            checker.report(
                "unknown kind \(Quote.quoted(value))", at: kindEntry.value.location,
                help: Suggestions.didYouMean(value, among: PolicySchema.kinds.map(\.kind))
                    ?? "one of: \(PolicySchema.kinds.map(\.kind).joined(separator: ", "))"
            )
            return
        }
        _ = checker.check(.mapping(root), object: schema)
        switch kind.value {
        case "Product": if let product = product(root) { result.products.append(product) }
        case "Team": if let team = team(root) { result.teams.append(team) }
        case "KeySet": if let keySet = keySet(root) { result.keySets.append(keySet) }
        case "Settings": result.settings.append(settings(root))
        default: break
        }
    }

    // MARK: Building model values from checked mappings

    private func product(_ m: YAMLMapping) -> Product? {
        guard let id = m.locatedString("id") else { return nil }
        var capabilities: [Capability] = []
        for item in m.list("capabilities") {
            guard case .mapping(let c) = item, let capID = c.locatedString("id") else { continue }
            capabilities.append(
                Capability(
                    id: capID,
                    name: c.string("name") ?? capID.value,
                    description: c.string("description"),
                    owner: c.locatedString("owner"),
                    tags: c.list("tags").compactMap(\.locatedScalar),
                    deprecated: c.string("deprecated"),
                    // Malformed routes are schema findings; only those that parse are kept.
                    routes: c.list("routes").compactMap(\.locatedScalar).compactMap { text in
                        (try? RouteTemplate(parsing: text.value)).map { Located($0, at: text.location) }
                    }
                ))
        }
        return Product(
            id: id, name: m.string("name") ?? id.value, description: m.string("description"), capabilities: capabilities
        )
    }

    private func team(_ m: YAMLMapping) -> Team? {
        guard let id = m.locatedString("id") else { return nil }
        return Team(
            id: id, name: m.string("name") ?? id.value, description: m.string("description"),
            reviewers: m.list("reviewers").compactMap(\.locatedScalar).map(\.value))
    }

    private func keySet(_ m: YAMLMapping) -> KeySet? {
        guard let product = m.locatedString("product") else { return nil }
        var keys: [Key] = []
        let items = m.list("keys")
        keys.reserveCapacity(items.count)
        for item in items {
            guard case .mapping(let k) = item else { continue }
            // One pass over the entries: keys are most of a large repository.
            var name: Located<String>?
            var description: String?
            var audience: Audience?
            var scope: Located<[Located<ScopeEntry>]>?
            var scopeLength = 0
            // `capabilities` or `unscoped` present but not of their type: the schema reports it,
            // and no rule reports the missing scope that follows from it a second time.
            var scopeMalformed = false
            var unscoped: Located<Bool>?
            var owners: Located<[Located<String>]>?
            var justification: String?
            var expires: Located<CalendarDate>?
            var fingerprints: [Located<String>] = []
            for entry in k.entries {
                switch entry.key.value {
                case "name":
                    name = entry.value.locatedScalar
                case "description":
                    description = entry.value.locatedScalar?.value
                case "audience":
                    audience = entry.value.locatedScalar.flatMap { Audience(rawValue: $0.value) }
                case "capabilities":
                    guard case .sequence(let sequence) = entry.value else {
                        scopeMalformed = true
                        continue
                    }
                    var entries: [Located<ScopeEntry>] = []
                    entries.reserveCapacity(sequence.items.count)
                    for item in sequence.items {
                        guard case .scalar(let s) = item, !s.isNull, let scopeEntry = ScopeEntry(s.value) else {
                            continue
                        }
                        entries.append(Located(scopeEntry, at: s.location))
                    }
                    scope = Located(entries, at: entry.key.location)
                    scopeLength = sequence.items.count
                case "unscoped":
                    if case .scalar(let s) = entry.value, s.style == .plain, s.value == "true" || s.value == "false" {
                        unscoped = Located(s.value == "true", at: entry.key.location)
                    } else {
                        scopeMalformed = true
                    }
                case "owners":
                    if case .sequence(let sequence) = entry.value {
                        owners = Located(sequence.items.compactMap(\.locatedScalar), at: entry.key.location)
                    }
                case "justification":
                    justification = entry.value.locatedScalar?.value
                case "expires":
                    if let s = entry.value.locatedScalar, let date = CalendarDate(parsing: s.value) {
                        expires = Located(date, at: s.location)
                    }
                case "fingerprints":
                    // Malformed entries are schema findings; only well-formed ones are kept.
                    if case .sequence(let sequence) = entry.value {
                        fingerprints = sequence.items.compactMap(\.locatedScalar).filter {
                            PolicySchema.fingerprint.accepts($0.value)
                        }
                    }
                default:
                    continue
                }
            }
            guard let name else { continue }
            keys.append(
                Key(
                    name: name, description: description, audience: audience, scope: scope, scopeLength: scopeLength,
                    unscoped: unscoped, owners: owners, justification: justification, expires: expires,
                    location: k.location,
                    scopeMalformed: scopeMalformed, fingerprints: fingerprints
                ))
        }
        return KeySet(product: product, owners: m.locatedList("owners"), keys: keys, location: m.location)
    }

    private func settings(_ m: YAMLMapping) -> Settings {
        var result = Settings(location: m.location)
        if let entry = m["rules"], case .mapping(let rules) = entry.value {
            for rule in rules.entries {
                guard RuleRegistry.descriptor(RuleID(rule.key.value))?.configurable == true,
                    case .scalar(let value) = rule.value
                else { continue }
                switch value.value {
                case "error": result.severities[RuleID(rule.key.value)] = .some(.error)
                case "warning": result.severities[RuleID(rule.key.value)] = .some(.warning)
                case "off": result.severities[RuleID(rule.key.value)] = .some(nil)
                default: break
                }
            }
        }
        if let days = m.string("unscopedMaxDays").flatMap(SchemaValues.integer), (1...3650).contains(days) {
            result.unscopedMaxDays = days
        }
        result.owners = m.locatedList("owners")?.value ?? []
        return result
    }
}

extension YAMLMapping {
    /// The scalar value of `key`, when it is a non-null scalar.
    func locatedString(_ key: String) -> Located<String>? {
        self[key]?.value.locatedScalar
    }

    func string(_ key: String) -> String? {
        locatedString(key)?.value
    }

    /// The items of the list at `key`, or none.
    func list(_ key: String) -> [YAMLNode] {
        guard let entry = self[key], case .sequence(let sequence) = entry.value else { return [] }
        return sequence.items
    }

    /// A list of scalars, located at its key.
    func locatedList(_ key: String) -> Located<[Located<String>]>? {
        guard let entry = self[key], case .sequence(let sequence) = entry.value else { return nil }
        return Located(sequence.items.compactMap(\.locatedScalar), at: entry.key.location)
    }
}

extension YAMLNode {
    var locatedScalar: Located<String>? {
        guard case .scalar(let s) = self, !s.isNull else { return nil }
        return Located(s.value, at: s.location)
    }
}
