import ArgumentParser
import Foundation
import KeyscopePolicy

/// Output formats for diagnostics.
enum DiagnosticFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, github, sarif
}

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check policy files against the schema and the validation rules.",
        discussion: """
            Reads every .yaml, .yml and .json file under ROOT. Exits 0 when there is no error \
            (warnings allowed unless --strict), 1 when there are errors, 64 on a usage error.

            Given files instead (what a pre-commit hook passes), validates the whole policy root they \
            belong to (--root, default policies) and reports the findings of those files only: a key \
            set is only meaningful with the products and teams it names.
            """
    )

    @Argument(help: "The policy root directory, or policy files below --root.")
    var paths: [String] = []

    @Option(help: "The policy root the named files belong to (default: policies).")
    var root: String?

    @Option(help: "Output format: text, json, github (workflow commands) or sarif (SARIF 2.1.0).")
    var format: DiagnosticFormat = .text

    @OptionGroup var checkDate: CheckDateOption

    @Flag(help: "Fail (exit 1) on warnings too.")
    var strict = false

    @Option(help: "Colour: auto, always or never.")
    var color: ColorMode = .auto

    @Flag(help: "Print errors and the summary only (text and github formats): no warnings, no progress.")
    var quiet = false

    func run() throws {
        let date = try checkDate.checkDate()
        let (rootPath, files) = try Self.scope(paths: paths, root: root)
        var result = try Self.validate(root: Environment.displayPath(rootPath), checkDate: date, quiet: quiet)
        if let files {
            result.diagnostics = result.diagnostics.filter { files.contains(Self.canonical($0.location.file)) }
        }
        print(
            Validate.render(result, format: format, color: Environment.colorStdout(color), quiet: quiet),
            terminator: "")
        let failed = result.diagnostics.hasErrors || (strict && result.diagnostics.warningCount > 0)
        // Exit now: tearing down a 100,000-key model takes longer than the OS reclaiming it.
        Environment.exitNow(failed ? KeyscopeExit.failure : KeyscopeExit.success)
    }

    /// The root to validate and, when files were named, their canonical paths.
    static func scope(paths: [String], root: String?) throws -> (root: String, files: Set<String>?) {
        var isDirectory: ObjCBool = false
        if paths.isEmpty { return (root ?? "policies", nil) }
        let exists = FileManager.default.fileExists(atPath: paths[0], isDirectory: &isDirectory)
        if paths.count == 1, !exists || isDirectory.boolValue {
            // A directory is the root; a missing path is reported by the loader, as a root.
            guard root == nil else { throw ValidationError("give the policy root once: as ROOT or as --root") }
            return (paths[0], nil)
        }
        let rootPath = root ?? "policies"
        guard FileManager.default.fileExists(atPath: rootPath, isDirectory: &isDirectory), isDirectory.boolValue else {
            // One file and no policy root around it: the file is read on its own.
            if root == nil && paths.count == 1 { return (paths[0], nil) }
            throw CommandFailure("no policy root \(Quote.quoted(rootPath)) for the named files; pass --root")
        }
        let base = canonical(rootPath) + "/"
        var files: Set<String> = []
        for path in paths {
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
                throw CommandFailure("\(Quote.quoted(path)): no such file (name one policy root, or files below it)")
            }
            let file = canonical(path)
            guard file.hasPrefix(base) else {
                throw CommandFailure(
                    "\(Quote.quoted(path)) is not below the policy root \(Quote.quoted(rootPath)); pass --root")
            }
            files.insert(file)
        }
        return (rootPath, files)
    }

    /// An absolute path with symbolic links and `.`/`..` resolved, to compare file names.
    static func canonical(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
    }

    /// Loads and validates `root`, with a progress line on a terminal when it takes a while.
    static func validate(root: String, checkDate: CalendarDate, quiet: Bool) throws -> ValidationResult {
        let progress = ProgressLine(enabled: !quiet && isatty(STDERR_FILENO) == 1)
        defer { progress.finish() }
        progress.phase("reading \(root)")
        let loaded: LoadedPolicy
        do {
            loaded = try PolicyLoader().load(root: root)
        } catch {
            throw CommandFailure(error.description)
        }
        progress.phase(
            "checking \(loaded.policy.keyCount) keys and \(loaded.policy.capabilityCount) capabilities from \(loaded.policy.fileCount) files"
        )
        return PolicyValidator.validate(loaded, checkDate: checkDate)
    }

    /// The findings in `format`. With `quiet`, the text and github formats show errors only; the
    /// summary still counts every finding. Machine formats (json, sarif) are always complete.
    static func render(_ result: ValidationResult, format: DiagnosticFormat, color: Bool, quiet: Bool = false)
        -> String
    {
        let summary = ValidationSummary(result)
        let shown = quiet ? result.diagnostics.filter { $0.severity == .error } : result.diagnostics
        let tail = summary.line + "\n" + (summary.byRuleLine.map { $0 + "\n" } ?? "")
        switch format {
        case .text:
            return DiagnosticRenderer.text(shown, files: result.files, color: color) + tail
        case .json:
            return DiagnosticRenderer.json(result.diagnostics, summary: summary, checkDate: result.checkDate)
        case .github:
            return DiagnosticRenderer.github(shown) + tail
        case .sarif:
            return DiagnosticRenderer.sarif(result.diagnostics, files: result.files, toolVersion: Keyscope.version)
        }
    }
}
