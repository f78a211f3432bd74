internal import CYAML

/// The result of reading one file: the documents that could be read and every problem found.
public struct YAMLReadResult: Sendable {
    public var documents: [YAMLDocument]
    public var problems: [YAMLProblem]
    /// Whether the reader stopped early (syntax error or a limit); documents after that point are missing.
    public var stoppedEarly: Bool
}

/// Reads YAML (and JSON) through libyaml's event API into `YAMLNode` trees, strictly.
///
/// Strict means (SPEC §2): anchors, aliases, merge keys, explicit tags and
/// complex keys are refused; duplicate keys are reported with both positions;
/// size, depth, document and node counts are bounded; a BOM, NUL bytes, tabs
/// and invalid UTF-8 are reported before parsing. Aliases are never expanded,
/// so alias bombs cost nothing. libyaml does not recurse on nesting, and the
/// reader keeps its own explicit stack, so deep input cannot overflow the
/// call stack either.
public struct StrictYAMLReader: Sendable {
    public var limits: ReaderLimits

    public init(limits: ReaderLimits = .default) {
        self.limits = limits
    }

    /// Reads every document of `file`.
    public func read(_ file: SourceFile) -> YAMLReadResult {
        if file.bytes.count > limits.maxFileBytes {
            let problem = YAMLProblem(
                .fileTooLarge,
                "file is \(file.bytes.count) bytes, more than the limit of \(limits.maxFileBytes)",
                at: .startOf(file.path),
                help: "split the policy into several files"
            )
            return YAMLReadResult(documents: [], problems: [problem], stoppedEarly: true)
        }
        if let problem = ByteScan.firstProblem(in: file.bytes, file: file.path, allowTabs: file.isJSON) {
            return YAMLReadResult(documents: [], problems: [problem], stoppedEarly: true)
        }
        var builder = TreeBuilder(file: file.path, limits: limits)
        builder.run(file.bytes)
        if builder.documents.isEmpty && builder.problems.isEmpty {
            builder.problems.append(YAMLProblem(.empty, "file holds no YAML document", at: .startOf(file.path)))
        }
        return YAMLReadResult(documents: builder.documents, problems: builder.problems, stoppedEarly: builder.stoppedEarly)
    }
}

/// Turns the event stream into nodes with an explicit stack.
private struct TreeBuilder {
    enum Frame {
        case mapping(entries: [YAMLMappingEntry], pendingKey: YAMLScalar?, keyIndex: [String: SourceLocation]?, location: SourceLocation, skipValue: Bool)
        case sequence(items: [YAMLNode], location: SourceLocation)
        /// A complex key being skipped: its contents are discarded.
        case skippedKey(depth: Int)
    }

    let file: String
    let limits: ReaderLimits
    var documents: [YAMLDocument] = []
    var problems: [YAMLProblem] = []
    var stoppedEarly = false
    var stack: [Frame] = []
    var root: YAMLNode?
    var nodeCount = 0
    var documentIndex = 0
    /// Depth of a complex key being skipped (0 when not skipping).
    var skipDepth = 0

    init(file: String, limits: ReaderLimits) {
        self.file = file
        self.limits = limits
    }

    func location(_ mark: yaml_mark_t) -> SourceLocation {
        SourceLocation(file: file, line: Int(mark.line) + 1, column: Int(mark.column) + 1)
    }

    mutating func report(_ problem: YAMLProblem) {
        problems.append(problem)
        if problems.count >= limits.maxProblems {
            stoppedEarly = true
        }
    }

    mutating func run(_ bytes: [UInt8]) {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) != 0 else {
            report(YAMLProblem(.syntax, "libyaml could not allocate a parser", at: .startOf(file)))
            stoppedEarly = true
            return
        }
        defer { yaml_parser_delete(&parser) }
        bytes.withUnsafeBufferPointer { buffer in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
            var event = yaml_event_t()
            while !stoppedEarly {
                guard yaml_parser_parse(&parser, &event) != 0 else {
                    reportSyntaxError(parser)
                    stoppedEarly = true
                    return
                }
                let done = event.type == YAML_STREAM_END_EVENT
                handle(&event)
                yaml_event_delete(&event)
                if done { return }
            }
        }
    }

    mutating func reportSyntaxError(_ parser: yaml_parser_t) {
        let problem = parser.problem.map { String(cString: $0) } ?? "could not parse YAML"
        var message = problem
        if let context = parser.context.map({ String(cString: $0) }) {
            message = "\(problem) \(context)"
        }
        let mark = parser.problem_mark
        var at = location(mark)
        if at.line < 1 { at.line = 1 }
        var related: SourceLocation?
        if parser.context != nil {
            let context = location(parser.context_mark)
            if context != at { related = context }
        }
        report(YAMLProblem(.syntax, message, at: at, related: related))
    }

    mutating func handle(_ event: inout yaml_event_t) {
        let start = location(event.start_mark)
        switch event.type {
        case YAML_DOCUMENT_START_EVENT:
            documentIndex += 1
            if documentIndex > limits.maxDocuments {
                report(YAMLProblem(.tooManyDocuments, "more than \(limits.maxDocuments) documents in one file", at: start))
                stoppedEarly = true
                return
            }
            let directives = event.data.document_start.tag_directives
            if directives.start != directives.end {
                report(YAMLProblem(.explicitTag, "%TAG directives are not allowed", at: start))
            }
            root = nil
            stack.removeAll(keepingCapacity: true)

        case YAML_DOCUMENT_END_EVENT:
            if let root {
                documents.append(YAMLDocument(root: root, index: documentIndex))
            }
            root = nil

        case YAML_ALIAS_EVENT:
            let name = cString(event.data.alias.anchor) ?? ""
            report(YAMLProblem(.alias, "alias `*\(name)` is not allowed", at: start, help: "write the value out in full: aliases can hide a grant from a reviewer"))
            add(.scalar(YAMLScalar(value: "", location: start)), isScalarKey: nil)

        case YAML_SCALAR_EVENT:
            let scalar = event.data.scalar
            checkAnchorAndTag(anchor: scalar.anchor, tag: scalar.tag, at: start)
            let value = scalar.value.map { String(decoding: UnsafeBufferPointer(start: $0, count: scalar.length), as: UTF8.self) } ?? ""
            let style: YAMLScalar.Style
            switch scalar.style {
            case YAML_SINGLE_QUOTED_SCALAR_STYLE: style = .singleQuoted
            case YAML_DOUBLE_QUOTED_SCALAR_STYLE: style = .doubleQuoted
            case YAML_LITERAL_SCALAR_STYLE: style = .literal
            case YAML_FOLDED_SCALAR_STYLE: style = .folded
            default: style = .plain
            }
            let node = YAMLScalar(value: value, style: style, location: start)
            add(.scalar(node), isScalarKey: node)

        case YAML_SEQUENCE_START_EVENT:
            let data = event.data.sequence_start
            checkAnchorAndTag(anchor: data.anchor, tag: data.tag, at: start)
            open(.sequence(items: [], location: start), at: start)

        case YAML_MAPPING_START_EVENT:
            let data = event.data.mapping_start
            checkAnchorAndTag(anchor: data.anchor, tag: data.tag, at: start)
            open(.mapping(entries: [], pendingKey: nil, keyIndex: nil, location: start, skipValue: false), at: start)

        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            close()

        default:
            break
        }
    }

    func cString(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
    }

    mutating func checkAnchorAndTag(anchor: UnsafeMutablePointer<yaml_char_t>?, tag: UnsafeMutablePointer<yaml_char_t>?, at location: SourceLocation) {
        if let name = cString(anchor) {
            report(YAMLProblem(.anchor, "anchor `&\(name)` is not allowed", at: location, help: "remove the anchor; anchors and aliases are refused in policy files"))
        }
        if let tag = cString(tag) {
            report(YAMLProblem(.explicitTag, "explicit tag `\(tag)` is not allowed", at: location, help: "remove the tag; values are typed by the schema"))
        }
    }

    mutating func countNode(at location: SourceLocation) -> Bool {
        nodeCount += 1
        if nodeCount > limits.maxNodes {
            report(YAMLProblem(.tooManyNodes, "more than \(limits.maxNodes) YAML nodes in one file", at: location))
            stoppedEarly = true
            return false
        }
        return true
    }

    mutating func open(_ frame: Frame, at location: SourceLocation) {
        guard countNode(at: location) else { return }
        if skipDepth > 0 {
            skipDepth += 1
            return
        }
        // A collection in key position of a mapping is a complex key: skip it whole.
        if case .mapping(_, let pendingKey, _, _, let skipValue)? = stack.last, pendingKey == nil, !skipValue {
            report(YAMLProblem(.complexKey, "mapping keys must be plain text, not \(frameKindName(frame))", at: location))
            skipDepth = 1
            return
        }
        if stack.count >= limits.maxDepth {
            report(YAMLProblem(.tooDeep, "nesting deeper than \(limits.maxDepth) levels", at: location))
            stoppedEarly = true
            return
        }
        stack.append(frame)
    }

    func frameKindName(_ frame: Frame) -> String {
        if case .sequence = frame { return "a list" }
        return "a mapping"
    }

    mutating func close() {
        if skipDepth > 0 {
            skipDepth -= 1
            if skipDepth == 0 {
                // The skipped complex key's value must be skipped as well.
                if case .mapping(let entries, _, let index, let location, _)? = stack.last {
                    stack[stack.count - 1] = .mapping(entries: entries, pendingKey: nil, keyIndex: index, location: location, skipValue: true)
                }
            }
            return
        }
        guard let frame = stack.popLast() else { return }
        let node: YAMLNode
        switch frame {
        case .mapping(let entries, _, _, let location, _):
            node = .mapping(YAMLMapping(entries: entries, location: location))
        case .sequence(let items, let location):
            node = .sequence(YAMLSequence(items: items, location: location))
        case .skippedKey:
            return
        }
        add(node, isScalarKey: nil)
    }

    /// Adds a finished node to the innermost open collection (or makes it the document root).
    mutating func add(_ node: YAMLNode, isScalarKey scalar: YAMLScalar?) {
        if case .scalar = node {
            guard countNode(at: node.location) else { return }
        }
        if skipDepth > 0 { return }
        guard let top = stack.popLast() else {
            root = node
            return
        }
        switch top {
        case .sequence(var items, let location):
            items.append(node)
            stack.append(.sequence(items: items, location: location))

        case .mapping(var entries, let pendingKey, var keyIndex, let location, let skipValue):
            if skipValue {
                stack.append(.mapping(entries: entries, pendingKey: nil, keyIndex: keyIndex, location: location, skipValue: false))
                return
            }
            guard let key = pendingKey else {
                // This node is a key. Only scalars get here (collections were skipped in `open`).
                let keyScalar = scalar ?? YAMLScalar(value: "", location: node.location)
                if keyScalar.style == .plain && keyScalar.value == "<<" {
                    report(YAMLProblem(.mergeKey, "merge key `<<` is not allowed", at: keyScalar.location, help: "write the merged fields out in full"))
                }
                stack.append(.mapping(entries: entries, pendingKey: keyScalar, keyIndex: keyIndex, location: location, skipValue: false))
                return
            }
            // This node is the value of `key`.
            var firstLocation: SourceLocation?
            if let index = keyIndex {
                firstLocation = index[key.value]
            } else if entries.count < 16 {
                firstLocation = entries.first(where: { $0.key.value == key.value })?.key.location
            } else {
                var index: [String: SourceLocation] = [:]
                for entry in entries where index[entry.key.value] == nil { index[entry.key.value] = entry.key.location }
                firstLocation = index[key.value]
                keyIndex = index
            }
            if let firstLocation {
                report(YAMLProblem(.duplicateKey, "duplicate key `\(key.value)`", at: key.location, related: firstLocation, help: "each key may appear once in a mapping"))
            } else {
                entries.append(YAMLMappingEntry(key: key, value: node))
                keyIndex?[key.value] = key.location
            }
            stack.append(.mapping(entries: entries, pendingKey: nil, keyIndex: keyIndex, location: location, skipValue: false))

        case .skippedKey:
            stack.append(top)
        }
    }
}
