import Foundation
import KeyscopeTestSupport
import Testing

/// The module graph as the README's "Architecture" table states it, held against
/// `Package.swift` and against the `import` lines of every source file.
@Suite struct ArchitectureTests {
    static let root = TestPaths.packageRoot

    /// Module -> what it may import, from the README table.
    static func documented() throws -> [String: Set<String>] {
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        guard let start = readme.range(of: "## Architecture") else { return [:] }
        var modules: [String: Set<String>] = [:]
        for line in readme[start.upperBound...].split(separator: "\n") {
            if line.hasPrefix("## ") { break }
            guard line.hasPrefix("| `") else { continue }
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count == 3 else { continue }
            let name = cells[0].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            let imports =
                cells[2] == "—"
                ? []
                : cells[2].split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "` ")) }
            modules[name] = Set(imports)
        }
        return modules
    }

    /// Target -> dependencies (local targets and products), from `Package.swift`; test targets excluded.
    static func declared() throws -> [String: Set<String>] {
        var manifest = try String(contentsOf: root.appendingPathComponent("Package.swift"), encoding: .utf8)
        manifest = manifest.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("//") }
            .joined(separator: "\n")
        // `package: "swift-crypto"` names a package, not a module.
        manifest = manifest.replacingOccurrences(of: #"package: "[^"]*""#, with: "", options: .regularExpression)
        var targets: [String: Set<String>] = [:]
        let declaration = try Regex(
            #"\.(target|executableTarget|systemLibrary)\(\s*name: "([^"]+)"((?:[^()]|\((?:[^()]|\([^()]*\))*\))*)\)"#)
        for match in manifest.matches(of: declaration) {
            guard let name = match.output[2].substring.map(String.init), let body = match.output[3].substring else {
                continue
            }
            if body.contains("path: \"Tests") { continue }
            var dependencies: Set<String> = []
            if let list = body.range(of: "dependencies:") {
                let rest = body[list.upperBound...]
                if let open = rest.firstIndex(of: "["), let close = rest.lastIndex(of: "]") {
                    for quoted in rest[open...close].matches(of: #/"([^"]+)"/#) {
                        dependencies.insert(String(quoted.output.1))
                    }
                }
            }
            targets[name] = dependencies
        }
        return targets
    }

    @Test func readmeTableMatchesPackageManifest() throws {
        let documented = try Self.documented()
        let declared = try Self.declared()
        #expect(!documented.isEmpty && !declared.isEmpty)
        #expect(
            Set(documented.keys) == Set(declared.keys),
            "modules in the README but not the manifest: \(Set(documented.keys).subtracting(declared.keys)); in the manifest but not the README: \(Set(declared.keys).subtracting(documented.keys))"
        )
        for (module, dependencies) in declared {
            #expect(
                documented[module] == dependencies,
                "\(module): Package.swift has \(dependencies.sorted()), the README \(documented[module]?.sorted() ?? [])"
            )
        }
    }

    /// Every source file of a module imports only what the README allows it (system modules aside).
    @Test func importsStayInsideTheDocumentedGraph() throws {
        let documented = try Self.documented()
        let local = Set(documented.keys).union(["Crypto", "ArgumentParser"])
        for (module, allowed) in documented {
            for file in try Self.swiftFiles(in: module) {
                let text = try String(contentsOf: file, encoding: .utf8)
                for line in text.split(separator: "\n") {
                    let words = line.split(separator: " ")
                    guard let index = words.firstIndex(of: "import"), index + 1 < words.count,
                        words[..<index].allSatisfy({ $0.hasPrefix("@") })
                    else { continue }
                    let imported = String(words[index + 1])
                    guard local.contains(imported) else { continue }
                    #expect(
                        allowed.contains(imported),
                        "\(module)/\(file.lastPathComponent) imports \(imported), which the README's Architecture table does not allow"
                    )
                }
            }
        }
    }

    /// Only the adapters in `KeyscopeIO` start processes or open network connections; the
    /// executables (the CLI, the benchmark, the fuzz driver) are not libraries.
    @Test func onlyTheAdaptersSpawnProcessesOrUseTheNetwork() throws {
        let executables: Set<String> = ["keyscope", "keyscope-bench", "keyscope-fuzz", "keyscope-serve"]
        let forbidden = [
            "FoundationNetworking", "URLSession", "Process()", "posix_spawn", "fork(", "popen(", "execv", "system(",
        ]
        for module in try Self.documented().keys where module != "KeyscopeIO" && !executables.contains(module) {
            for file in try Self.swiftFiles(in: module) {
                let text = try String(contentsOf: file, encoding: .utf8)
                for line in text.split(separator: "\n") where !line.trimmingCharacters(in: .whitespaces).hasPrefix("//")
                {
                    for word in forbidden where line.contains(word) {
                        Issue.record(
                            "\(module)/\(file.lastPathComponent): `\(word)` outside the KeyscopeIO adapters: \(line.trimmingCharacters(in: .whitespaces))"
                        )
                    }
                }
            }
        }
    }

    /// Tests use their own fixtures: editing the shipped example in `policies/`, the first
    /// thing a new user does, must not break `swift test` (only `exampleRepositoryValidates`
    /// reads it, running `validate` in the package root).
    @Test func testsDoNotReadTheShippedExample() throws {
        let tests = Self.root.appendingPathComponent("Tests")
        let walker = try #require(FileManager.default.enumerator(at: tests, includingPropertiesForKeys: nil))
        for case let file as URL in walker
        where file.pathExtension == "swift" && file.lastPathComponent != "ArchitectureTests.swift" {
            let text = try String(contentsOf: file, encoding: .utf8)
            #expect(
                !text.contains("packageRoot.appendingPathComponent(\"policies"),
                "\(file.lastPathComponent) reads the shipped example; copy what it needs under Tests/Fixtures/")
        }
    }

    static func swiftFiles(in module: String) throws -> [URL] {
        let directory = root.appendingPathComponent("Sources/\(module)")
        guard let walker = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil) else {
            return []
        }
        return walker.compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }
    }
}
