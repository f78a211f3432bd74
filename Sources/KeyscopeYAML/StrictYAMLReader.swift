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
        return YAMLReadResult(
            documents: builder.documents, problems: builder.problems, stoppedEarly: builder.stoppedEarly)
    }
}

/// Turns the event stream into nodes with an explicit stack.
///
/// Frames are mutated in place (`stack[top].entries.append`), never popped
/// and pushed back, so appending to a long list never copies it.
private struct TreeBuilder {
    struct Frame {
        var isMapping: Bool
        var location: SourceLocation
        var entries: [YAMLMappingEntry] = []
        var items: [YAMLNode] = []
        /// The key whose value comes next (mappings).
        var pendingKey: YAMLScalar?
        /// Built once a mapping grows large, for duplicate detection.
        var keyIndex: [String: SourceLocation]?
        /// The next node is the value of a skipped complex key and is dropped.
        var skipValue = false
    }

    let file: String
    let fileID: FileID
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
        self.fileID = FileRegistry.id(for: file)
        self.limits = limits
    }

    func location(_ mark: yaml_mark_t) -> SourceLocation {
        SourceLocation(fileID: fileID, line: Int(mark.line) + 1, column: Int(mark.column) + 1)
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
        report(YAMLProblem(.syntax, message, at: at, related: related, help: Self.hint(forLibyamlProblem: problem)))
    }

    /// libyaml's messages name grammar productions; these say what usually caused them, in the
    /// terms of a policy file.
    static func hint(forLibyamlProblem problem: String) -> String? {
        switch problem {
        case "mapping values are not allowed in this context":
            "a `key: value` where YAML expects none: usually wrong indentation (the line is indented"
                + " deeper than the key above it), or a value containing `: ` that needs quotes"
        case "did not find expected key":
            "a line indented differently from the keys beside it, or a list item (`- `) where a key was"
                + " expected: align it with its siblings"
        case "did not find expected '-' indicator":
            "a list item without `- `, or indented differently from the items before it"
        case "found character that cannot start any token":
            "a character YAML reserves (`@`, `` ` ``, `%`) at the start of a value: put the value in quotes"
        case "found undefined tag handle":
            "a `!` at the start of a value starts a tag, which policies do not use: put the value in quotes"
        default:
            nil
        }
    }

    mutating func handle(_ event: inout yaml_event_t) {
        let start = location(event.start_mark)
        switch event.type {
        case YAML_DOCUMENT_START_EVENT:
            documentIndex += 1
            if documentIndex > limits.maxDocuments {
                report(
                    YAMLProblem(.tooManyDocuments, "more than \(limits.maxDocuments) documents in one file", at: start))
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
            report(
                YAMLProblem(
                    .alias, "alias `*\(name)` is not allowed", at: start,
                    help: "write the value out in full: aliases can hide a grant from a reviewer"))
            add(.scalar(YAMLScalar(value: "", location: start)), isScalarKey: nil)

        case YAML_SCALAR_EVENT:
            let scalar = event.data.scalar
            checkAnchorAndTag(anchor: scalar.anchor, tag: scalar.tag, at: start)
            let value =
                scalar.value.map {
                    String(decoding: UnsafeBufferPointer(start: $0, count: scalar.length), as: UTF8.self)
                } ?? ""
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
            open(mapping: false, at: start)

        case YAML_MAPPING_START_EVENT:
            let data = event.data.mapping_start
            checkAnchorAndTag(anchor: data.anchor, tag: data.tag, at: start)
            open(mapping: true, at: start)

        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            close()

        default:
            break
        }
    }

    func cString(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
    }

    mutating func checkAnchorAndTag(
        anchor: UnsafeMutablePointer<yaml_char_t>?, tag: UnsafeMutablePointer<yaml_char_t>?, at location: SourceLocation
    ) {
        if let name = cString(anchor) {
            report(
                YAMLProblem(
                    .anchor, "anchor `&\(name)` is not allowed", at: location,
                    help: "remove the anchor; anchors and aliases are refused in policy files"))
        }
        if let tag = cString(tag) {
            report(
                YAMLProblem(
                    .explicitTag, "explicit tag `\(tag)` is not allowed", at: location,
                    help: "remove the tag; values are typed by the schema"))
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

    mutating func open(mapping: Bool, at location: SourceLocation) {
        guard countNode(at: location) else { return }
        // The depth limit counts every open collection, inside a skipped complex key too:
        // libyaml's cost grows with the square of the nesting, wherever the nesting is.
        if stack.count + skipDepth >= limits.maxDepth {
            report(YAMLProblem(.tooDeep, "nesting deeper than \(limits.maxDepth) levels", at: location))
            stoppedEarly = true
            return
        }
        if skipDepth > 0 {
            skipDepth += 1
            return
        }
        // A collection in key position of a mapping is a complex key: skip it whole.
        if let top = stack.last, top.isMapping, top.pendingKey == nil, !top.skipValue {
            report(
                YAMLProblem(
                    .complexKey, "mapping keys must be plain text, not \(mapping ? "a mapping" : "a list")",
                    at: location))
            skipDepth = 1
            return
        }
        stack.append(Frame(isMapping: mapping, location: location))
    }

    mutating func close() {
        if skipDepth > 0 {
            skipDepth -= 1
            if skipDepth == 0, !stack.isEmpty {
                // The skipped complex key's value must be skipped as well.
                stack[stack.count - 1].pendingKey = nil
                stack[stack.count - 1].skipValue = true
            }
            return
        }
        guard let frame = stack.popLast() else { return }
        let node: YAMLNode =
            frame.isMapping
            ? .mapping(YAMLMapping(entries: frame.entries, location: frame.location))
            : .sequence(YAMLSequence(items: frame.items, location: frame.location))
        add(node, isScalarKey: nil)
    }

    /// Adds a finished node to the innermost open collection (or makes it the document root).
    mutating func add(_ node: YAMLNode, isScalarKey scalar: YAMLScalar?) {
        if case .scalar = node {
            guard countNode(at: node.location) else { return }
        }
        if skipDepth > 0 { return }
        let top = stack.count - 1
        guard top >= 0 else {
            root = node
            return
        }
        if !stack[top].isMapping {
            stack[top].items.append(node)
            return
        }
        if stack[top].skipValue {
            stack[top].skipValue = false
            return
        }
        guard let key = stack[top].pendingKey else {
            // This node is a key. Only scalars get here (collections were skipped in `open`).
            let keyScalar = scalar ?? YAMLScalar(value: "", location: node.location)
            if keyScalar.style == .plain && keyScalar.value == "<<" {
                report(
                    YAMLProblem(
                        .mergeKey, "merge key `<<` is not allowed", at: keyScalar.location,
                        help: "write the merged fields out in full"))
            }
            stack[top].pendingKey = keyScalar
            return
        }
        // This node is the value of `key`.
        stack[top].pendingKey = nil
        var firstLocation: SourceLocation?
        if let index = stack[top].keyIndex {
            firstLocation = index[key.value]
        } else if stack[top].entries.count < 16 {
            for entry in stack[top].entries where entry.key.value == key.value {
                firstLocation = entry.key.location
                break
            }
        } else {
            var index: [String: SourceLocation] = [:]
            for entry in stack[top].entries where index[entry.key.value] == nil {
                index[entry.key.value] = entry.key.location
            }
            firstLocation = index[key.value]
            stack[top].keyIndex = index
        }
        if let firstLocation {
            report(
                YAMLProblem(
                    .duplicateKey, "duplicate key `\(key.value)`", at: key.location, related: firstLocation,
                    help: "each key may appear once in a mapping"))
        } else {
            stack[top].entries.append(YAMLMappingEntry(key: key, value: node))
            stack[top].keyIndex?[key.value] = key.location
        }
    }
}
