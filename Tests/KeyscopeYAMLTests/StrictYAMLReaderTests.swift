import KeyscopeTestSupport
import KeyscopeYAML
import Testing

/// Reads marked text and returns the problems and documents.
private func read(_ marked: String, path: String = "f.yaml", limits: ReaderLimits = .default) -> (
    MarkedText, YAMLReadResult
) {
    let text = MarkedText(marked)
    return (text, StrictYAMLReader(limits: limits).read(SourceFile(path: path, text: text.text)))
}

/// Asserts exactly one problem with `code` at `marker`.
private func expectProblem(
    _ marked: String, _ code: YAMLProblem.Code, at marker: String = "1️⃣", related: String? = nil,
    path: String = "f.yaml", limits: ReaderLimits = .default, sourceLocation: Testing.SourceLocation = #_sourceLocation
) {
    let (text, result) = read(marked, path: path, limits: limits)
    let matching = result.problems.filter { $0.code == code }
    #expect(matching.count == 1, "problems: \(result.problems)", sourceLocation: sourceLocation)
    guard let problem = matching.first else { return }
    #expect(problem.location == text.location(marker, file: path), "\(problem)", sourceLocation: sourceLocation)
    if let related {
        #expect(problem.related == text.location(related, file: path), sourceLocation: sourceLocation)
    }
}

@Suite struct StrictYAMLReaderTests {
    /// libyaml's "mapping values are not allowed in this context" gets a hint in the user's terms.
    @Test func wrongIndentationGetsAHint() throws {
        let result = StrictYAMLReader().read(
            SourceFile(path: "f.yaml", text: "keys:\n  - name: a\n    audience: customer\n      owners: [x]\n"))
        let problem = try #require(result.problems.first)
        #expect(problem.message.hasPrefix("mapping values are not allowed"), "\(problem.message)")
        #expect(problem.help?.contains("indentation") == true)
    }

    @Test func readsNestedDocumentWithPositions() throws {
        let (text, result) = read(
            """
            1️⃣apiVersion: keyscope/v1
            keys:
              - name: 2️⃣a
                on: 3️⃣yes
                mode: 4️⃣0755
            """)
        #expect(result.problems.isEmpty)
        #expect(result.documents.count == 1)
        guard case .mapping(let root) = result.documents[0].root else {
            Issue.record("root is not a mapping")
            return
        }
        #expect(root.entries.map(\.key.value) == ["apiVersion", "keys"])
        #expect(root.entries[0].key.location == text.location("1️⃣", file: "f.yaml"))
        guard case .sequence(let keys) = root["keys"]?.value, case .mapping(let key) = keys.items[0] else {
            Issue.record("shape")
            return
        }
        guard case .scalar(let name) = key["name"]?.value, case .scalar(let on) = key["on"]?.value,
            case .scalar(let mode) = key["mode"]?.value
        else {
            Issue.record("scalars")
            return
        }
        #expect(name.location == text.location("2️⃣", file: "f.yaml"))
        // Scalars stay text: YAML 1.1's `yes` and octal-looking numbers are not converted.
        #expect(on.value == "yes" && on.location == text.location("3️⃣", file: "f.yaml"))
        #expect(mode.value == "0755" && mode.location == text.location("4️⃣", file: "f.yaml"))
    }

    @Test func columnsCountUnicodeScalars() {
        let (text, result) = read("name: \"héllo wörld\"\nother: 1️⃣x\nkey: 🙂\nbad: 2️⃣*alias\n")
        let alias = result.problems.first { $0.code == .alias }
        #expect(alias?.location == text.location("2️⃣", file: "f.yaml"))
        _ = text.location("1️⃣", file: "f.yaml")
        let (text2, result2) = read("k: \"日本語\" \n1️⃣k: 2\n")
        #expect(result2.problems.first?.location == text2.location("1️⃣", file: "f.yaml"))
    }

    @Test func multipleDocuments() {
        let (_, result) = read("a: 1\n---\nb: 2\n---\nc: 3\n")
        #expect(result.documents.count == 3)
        #expect(result.documents.map(\.index) == [1, 2, 3])
    }

    @Test func rejectsAnchor() { expectProblem("a: 1️⃣&x 1\n", .anchor) }
    @Test func rejectsAlias() { expectProblem("a: 1\nb: 1️⃣*x\n", .alias) }
    @Test func rejectsMergeKey() { expectProblem("a:\n  1️⃣<<: {b: 1}\n", .mergeKey) }
    @Test func quotedMergeKeyIsAnOrdinaryKey() {
        let (_, result) = read("a:\n  \"<<\": 1\n")
        #expect(result.problems.isEmpty)
    }
    @Test func rejectsExplicitScalarTag() { expectProblem("a: 1️⃣!!str 1\n", .explicitTag) }
    @Test func rejectsExplicitMappingTag() { expectProblem("a: 1️⃣!custom {b: 1}\n", .explicitTag) }
    @Test func rejectsTagDirective() { expectProblem("1️⃣%TAG !e! tag:example.com,2000:\n---\na: 1\n", .explicitTag) }
    @Test func rejectsComplexKey() { expectProblem("? 1️⃣[a, b]\n: 1\nc: 2\n", .complexKey) }
    @Test func duplicateKeyHasBothPositions() {
        expectProblem("1️⃣name: a\nother: b\n2️⃣name: c\n", .duplicateKey, at: "2️⃣", related: "1️⃣")
    }
    @Test func duplicateKeyInLargeMapping() {
        var text = ""
        for i in 0..<40 { text += "k\(i): \(i)\n" }
        text += "1️⃣k7: again\n"
        expectProblem(text, .duplicateKey)
    }
    @Test func rejectsByteOrderMark() { expectProblem("1️⃣\u{FEFF}a: 1\n", .byteOrderMark) }
    @Test func rejectsTabIndentation() { expectProblem("a:\n1️⃣\tb: 1\n", .tab) }
    @Test func allowsTabsInJSON() {
        let (_, result) = read("{\n\t\"a\": 1\n}\n", path: "f.json")
        #expect(result.problems.isEmpty)
        #expect(result.documents.count == 1)
    }
    @Test func rejectsNulByte() { expectProblem("a: 1\nb: 1️⃣\u{0}\n", .nulByte) }
    /// The byte scan reads eight bytes at a time and counts lines and columns only once it has
    /// found a problem: positions after long lines and multi-byte characters must still be exact.
    @Test func problemPositionsAfterLongLinesAndMultiByteCharacters() {
        let long = "description: " + String(repeating: "plain ascii text ", count: 20) + "\n"
        expectProblem(long + "name: héllo wörld — ü 1️⃣\u{0}\n", .nulByte)
        expectProblem(long + long + "name: ☃☃☃ and more 1️⃣\ttext\n", .tab)
        var bytes = Array((long + "x: ✓✓ abcdefgh").utf8)
        bytes += [0xE2, 0x28, 0xA1]
        let result = StrictYAMLReader().read(SourceFile(path: "f.yaml", bytes: bytes))
        #expect(result.problems.map(\.code) == [.invalidUTF8])
        #expect(result.problems.first?.location == SourceLocation(file: "f.yaml", line: 2, column: 15))
    }
    @Test func rejectsInvalidUTF8() {
        var bytes = Array("a: 1\nb: x".utf8)
        bytes += [0xC3, 0x28]
        let result = StrictYAMLReader().read(SourceFile(path: "f.yaml", bytes: bytes))
        #expect(result.problems.map(\.code) == [.invalidUTF8])
        #expect(result.problems.first?.location == SourceLocation(file: "f.yaml", line: 2, column: 5))
    }
    @Test func rejectsOverlongUTF8() {
        let result = StrictYAMLReader().read(SourceFile(path: "f.yaml", bytes: Array("a: ".utf8) + [0xC0, 0xAF]))
        #expect(result.problems.map(\.code) == [.invalidUTF8])
    }
    @Test func reportsSyntaxErrorPosition() {
        let (_, result) = read("a: [1, 2\nb: 3\n")
        #expect(result.problems.first?.code == .syntax)
        #expect(result.stoppedEarly)
    }
    @Test func rejectsFileOverSizeLimit() {
        expectProblem("1️⃣a: 12345678901234567890\n", .fileTooLarge, limits: ReaderLimits(maxFileBytes: 10))
    }
    @Test func rejectsDeepNesting() {
        let depth = 10_000
        let text = String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "\n"
        let result = StrictYAMLReader().read(SourceFile(path: "f.yaml", text: text))
        #expect(result.problems.map(\.code) == [.tooDeep])
        #expect(result.problems.first?.location == SourceLocation(file: "f.yaml", line: 1, column: 65))
    }
    /// Issue 11.5: nesting inside a mapping key (explicit `?` or a flow mapping) escaped the depth limit.
    @Test func rejectsDeepNestingInsideKeys() {
        let depth = 5_000
        let nested = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        for text in ["? " + nested + "\n: v\n", "{" + nested + ": v}\n", "a:\n  ? " + nested + "\n  : v\n"] {
            let result = StrictYAMLReader().read(SourceFile(path: "f.yaml", text: text))
            #expect(result.problems.map(\.code).contains(.tooDeep), "\(text.prefix(12))")
        }
    }
    @Test func rejectsTooManyDocuments() {
        let text = String(repeating: "---\na: 1\n", count: 20)
        let result = StrictYAMLReader(limits: ReaderLimits(maxDocuments: 10)).read(
            SourceFile(path: "f.yaml", text: text))
        #expect(result.problems.map(\.code) == [.tooManyDocuments])
        #expect(result.problems.first?.location.line == 21)
    }
    @Test func rejectsTooManyNodes() {
        let text = "[" + Array(repeating: "1", count: 100).joined(separator: ",") + "]\n"
        let result = StrictYAMLReader(limits: ReaderLimits(maxNodes: 50)).read(SourceFile(path: "f.yaml", text: text))
        #expect(result.problems.map(\.code) == [.tooManyNodes])
    }
    @Test func billionLaughsCostsNothing() {
        var text = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
        for level in 1..<9 {
            let previous = Character(Unicode.Scalar(UInt8(ascii: "a") + UInt8(level - 1)))
            let name = Character(Unicode.Scalar(UInt8(ascii: "a") + UInt8(level)))
            text += "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 9).joined(separator: ",") + "]\n"
        }
        let result = StrictYAMLReader().read(SourceFile(path: "f.yaml", text: text))
        #expect(result.problems.contains { $0.code == .alias })
        #expect(result.problems.count <= ReaderLimits.default.maxProblems)
    }
    @Test func emptyFileIsReported() {
        let result = StrictYAMLReader().read(SourceFile(path: "f.yaml", text: "# only a comment\n"))
        #expect(result.problems.map(\.code) == [.empty])
    }
    @Test func scalarStylesAreKept() {
        let (_, result) = read("a: 'x'\nb: \"y\"\nc: z\nd: |\n  lit\n")
        guard case .mapping(let m) = result.documents.first?.root else {
            Issue.record("no mapping")
            return
        }
        let styles = m.entries.compactMap { entry -> YAMLScalar.Style? in
            if case .scalar(let s) = entry.value { return s.style }
            return nil
        }
        #expect(styles == [.singleQuoted, .doubleQuoted, .plain, .literal])
    }
}
