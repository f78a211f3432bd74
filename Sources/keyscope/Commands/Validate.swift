import ArgumentParser
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
            """
    )

    @Argument(help: "The policy root directory (or one file).")
    var root: String = "policies"

    @Option(help: "Output format: text, json, github (workflow commands) or sarif (SARIF 2.1.0).")
    var format: DiagnosticFormat = .text

    @OptionGroup var checkDate: CheckDateOption

    @Flag(help: "Fail (exit 1) on warnings too.")
    var strict = false

    @Option(help: "Colour: auto, always or never.")
    var color: ColorMode = .auto

    func run() throws {
        let date = try checkDate.checkDate()
        let result: ValidationResult
        do {
            result = try PolicyValidator.validate(root: Environment.displayPath(root), checkDate: date)
        } catch {
            throw CommandFailure(error.description)
        }
        print(Validate.render(result, format: format, color: Environment.colorStdout(color)), terminator: "")
        let failed = result.diagnostics.hasErrors || (strict && result.diagnostics.warningCount > 0)
        // Exit now: tearing down a 100,000-key model takes longer than the OS reclaiming it.
        Environment.exitNow(failed ? KeyscopeExit.failure : KeyscopeExit.success)
    }

    static func render(_ result: ValidationResult, format: DiagnosticFormat, color: Bool) -> String {
        let summary = ValidationSummary(result)
        switch format {
        case .text:
            return DiagnosticRenderer.text(result.diagnostics, files: result.files, color: color) + summary.line + "\n"
        case .json:
            return DiagnosticRenderer.json(result.diagnostics, summary: summary, checkDate: result.checkDate)
        case .github:
            return DiagnosticRenderer.github(result.diagnostics) + summary.line + "\n"
        case .sarif:
            return DiagnosticRenderer.sarif(result.diagnostics, toolVersion: Keyscope.version)
        }
    }
}
